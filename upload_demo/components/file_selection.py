"""The selection keeper of a dropzone: paste, folders, camera, remove one, previews.

``file_selection.jsx`` (beside this file) is a React component, rendered once
per dropzone, that adds to and takes from the dropzone's selection under the
page's policy (``UploadPolicy.selection_rules``) and tells the page's State of
every change. It renders only the hidden folder and camera inputs; the buttons
that open them, the file list and its previews are Reflex components
(upload_panel.py, file_list_view.py) calling the functions below.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from upload_demo.reflex_internals import selected_file_objects, upload_files_context

LIBRARY = "$/public" + rx.asset("file_selection.jsx", shared=True)


class FileSelection(rx.Component):
    """Keeps dropzone ``upload_id``'s selection within ``rules``; see the module docstring."""

    library = LIBRARY
    tag = "FileSelection"

    upload_id: rx.Var[str]
    context: rx.Var[Any]
    rules: rx.Var[dict[str, Any]]
    #: Ctrl/Cmd+V of files anywhere on the page (but in a text field) adds them.
    paste: rx.Var[bool]
    #: Render a folder picker (``webkitdirectory``), opened by ``choose_folder``.
    folders: rx.Var[bool]
    #: Render a camera input: {accept, mode} (the ``capture`` attribute), opened by
    #: ``open_camera``.
    capture: rx.Var[dict[str, str] | None]
    disabled: rx.Var[bool]
    #: A one-step page: files added are sent at once (``on_files``), never selected.
    one_step: rx.Var[bool]

    #: The selection changed: [{name, folder, size, type}], no bytes.
    on_change: rx.EventHandler[lambda files: [files]]
    #: Files refused by the policy: [{name, folder, codes}].
    on_refused: rx.EventHandler[lambda refused: [refused]]
    #: A one-step page's files, to send (the chain of its dropzone's ``on_drop``).
    on_files: rx.EventHandler[rx.event.passthrough_event_spec(list[rx.UploadFile])]

    @classmethod
    def of(cls, upload_id: str, **props: Any) -> rx.Component:
        """The keeper of ``upload_id``, reading Reflex's selection context."""
        return cls.create(upload_id=upload_id, context=upload_files_context(), **props)


def _function(name: str) -> rx.vars.FunctionStringVar[Any]:
    return rx.vars.FunctionStringVar.create(
        name, _var_data=rx.vars.VarData(imports={LIBRARY: [rx.ImportVar(tag=name)]})
    )


def add_dropped(upload_id: str) -> rx.vars.FunctionVar[Any]:
    """An ``on_drop`` for ``rx.upload``: the drop's files join the selection, checked."""
    return _function("addDropped").partial(upload_id)


def refuse_dropped(upload_id: str) -> rx.vars.FunctionVar[Any]:
    """An ``on_drop_rejected``: react-dropzone's refusals reach the page with the rest."""
    return _function("refuseDropped").partial(upload_id)


def remove_selected(upload_id: str, slot: rx.Var[int]) -> rx.event.EventSpec:
    """Take the file at ``slot`` out of the selection (its preview is revoked)."""
    return rx.call_function(_function("removeSelected").partial(upload_id, slot))


def choose_folder(upload_id: str) -> rx.event.EventSpec:
    """Open the folder picker."""
    return rx.call_function(_function("chooseFolder").partial(upload_id))


def open_camera(upload_id: str) -> rx.event.EventSpec:
    """Open the camera input (a file chooser where there is no camera)."""
    return rx.call_function(_function("openCapture").partial(upload_id))


def describe_files(files: rx.Var) -> rx.Var:
    """[{name, folder, size, type}] of a Var of ``File`` objects: what the State is sent."""
    return _function("describeFiles").call(files)


def previews(upload_id: str) -> rx.Var:
    """Object URLs of the selection's images, in its order ("" for other files)."""
    return _function("previewsOf").call(upload_id, selected_file_objects(upload_id)).to(list[str])
