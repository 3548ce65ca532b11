"""Every private or undocumented piece of Reflex the app relies on, in one place.

Read from Reflex 0.10.1 (``READ_FROM``). Public ``rx.*`` does not yet offer
these: the type ``add_page`` takes for ``on_load``, the event name Reflex puts
in the ``Reflex-Event-Handler`` header, a way to hand an event to a client's
queue from outside a handler, a way to keep a worker's idea of which worker
holds each tab's websocket current, a way to keep the folders of a dropped
file's name (Reflex drops them), the ref under which the browser keeps a
running upload's request, a JavaScript expression that carries its imports,
the context that holds every dropzone's selection (to add a file to it or take
one out), the Var of a drop's files in ``on_drop``, a label for ``rx.upload``'s
own file input, a role for its dropzone, where the colour mode's app wrap sits,
and the config and environment ``rx.get_upload_dir`` reads. Pages and components
use ``rx.*`` only; the rest of the app imports these from here.
``tests/unit/test_reflex_internals.py`` checks each against the installed
Reflex, so an upgrade that moves one fails there, by name, instead of
somewhere in an upload. Those under "for the tests" (a State outside an app,
a restarted test backend, migrating and Reflex's .gitignore writer in process)
serve only the tests, kept here for the same reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import reflex as rx
from reflex.model import get_engine
from reflex.vars import FunctionStringVar
from reflex_base import config as reflex_config
from reflex_base import constants
from reflex_base.environment import environment
from reflex_base.event import Event, EventType, IndividualEventType
from reflex_base.utils.format import format_event_handler
from reflex_components_radix.themes.base import LiteralAccentColor

#: The Reflex version these were read from.
READ_FROM = "0.10.1"

S = TypeVar("S", bound=rx.State)

#: The colour names a Radix component's ``color_scheme`` takes, as a type.
AccentColor = LiteralAccentColor

#: What ``app.add_page(on_load=...)`` takes: a State's handler called with no argument.
OnLoad = EventType[()]

#: One of them: a list of these is an ``OnLoad`` too.
OneOnLoad = IndividualEventType[()]

__all__ = [
    "READ_FROM",
    "AccentColor",
    "OnLoad",
    "OneOnLoad",
    "api_url",
    "backend_host",
    "backend_route",
    "color_mode_provider_order",
    "configured_upload_dir",
    "db_url",
    "drop_inherited_db_connections",
    "dropped_files",
    "dropzone_role",
    "enqueue_event",
    "follow_socket_owners",
    "handler_name",
    "initialize_gitignore",
    "js_expression",
    "keep_dropped_folders",
    "label_file_input",
    "migrate_database",
    "native_form_submit",
    "new_state",
    "reload_config",
    "restart_harness_backend",
    "selected_file_objects",
    "upload_controller_ref",
    "upload_endpoint",
    "upload_files_context",
    "upload_request_open_js",
    "with_dropped_files",
]


def handler_name(handler: Any) -> str:
    """An event handler's full name, as the ``Reflex-Event-Handler`` header carries it."""
    return format_event_handler(handler)


async def enqueue_event(app: rx.App, token: str, handler: Any, payload: dict[str, Any]) -> None:
    """Queue ``handler(**payload)`` for the client ``token``, as if its browser had sent it.

    It runs under the State's lock like any event, and its changes reach the
    page over the websocket at once.
    """
    event = Event(name=handler_name(handler), payload=payload)
    await app.event_processor.enqueue(token, event)


def follow_socket_owners(app: rx.App) -> bool:
    """Keep this worker's record of which worker holds each tab's websocket current.

    With Redis, a worker that updates a tab whose websocket another worker holds
    (the guard's refusal event, an upload handler's state changes) looks up that
    worker in Redis and caches the answer. Reflex keeps the cache current from
    Redis's keyspace notifications, but starts listening only when the worker
    accepts a websocket of its own. A worker that has only served upload requests
    (most likely when a few tabs are spread over several workers) kept a stale
    answer: once the tab's socket moved to a new process, the updates went to the
    one gone, and the page never heard of them. Started when the worker starts,
    the listener drops a record as soon as its socket is gone. Returns whether
    there was anything to follow (False without Redis: one worker, no cache).
    """
    from reflex.utils.token_manager import RedisTokenManager

    namespace = app.event_namespace
    # The namespace's token manager has no public accessor.
    manager = namespace._token_manager if namespace is not None else None
    if not isinstance(manager, RedisTokenManager):
        return False
    # What Reflex itself calls when it links a socket to a token.
    manager._ensure_socket_record_task()
    return True


#: Marks Reflex's upload name sanitiser once keep_dropped_folders has wrapped it.
_KEEPS_FOLDERS = "_upload_demo_keeps_folders"


def keep_dropped_folders() -> None:
    """Let the upload routes keep the folders of a file dropped inside a folder.

    Reflex makes each multipart file name a relative path
    (``_sanitize_upload_filename``: no ``..``, no empty parts) for
    ``rx.UploadFile.path`` and ``rx.UploadChunk.filename``, but reduces one that
    starts with a slash to its base name; and react-dropzone names a dropped
    folder's files by their entry's full path, ``/photos/sub/a.png``. Their
    folders would be lost on both routes (``webkitdirectory`` picks,
    ``photos/sub/a.png``, keep theirs). With the leading slashes gone first,
    such a name gets what Reflex gives the picked one: still relative, still
    without ``..``. Drive letters stay reduced to the base name. Wrapping twice
    changes nothing.
    """
    from reflex_components_core.core import _upload

    sanitize = _upload._sanitize_upload_filename
    if getattr(sanitize, _KEEPS_FOLDERS, False):
        return

    def keeping_folders(filename: str) -> str:
        return sanitize(filename.lstrip("/\\"))

    setattr(keeping_folders, _KEEPS_FOLDERS, True)
    _upload._sanitize_upload_filename = keeping_folders


def upload_controller_ref(upload_id: str) -> str:
    """The ``refs`` key under which the browser keeps an upload's running request.

    Reflex's upload.js sets it when the request starts and deletes it when the
    request ends; ``rx.cancel_upload`` aborts through it.
    """
    return f"__upload_controllers_{upload_id}"


def upload_request_open_js(upload_id: str) -> str:
    """A script (for ``rx.call_script``) answering whether the upload's request is still open."""
    return f"Boolean(refs['{upload_controller_ref(upload_id)}'])"


def js_expression(code: str, *uses: rx.Var) -> rx.Var:
    """A Var of raw JavaScript ``code`` that brings along the imports and hooks of ``uses``.

    For an expression built around public Vars (say ``rx.get_upload_url``),
    whose imports the page must still get.
    """
    var_data = [var._get_all_var_data() for var in uses]
    merged = rx.vars.VarData.merge(*var_data)
    return rx.Var(_js_expr=code, _var_data=merged)


def label_file_input(upload: rx.Component, label: str) -> rx.Component:
    """Give ``rx.upload``'s own file input an accessible name.

    ``rx.upload`` makes the ``<input type=file>`` itself (the first child of the
    dropzone's ``<div>``) and passes it none of our props; react-dropzone hides it,
    but a screen reader still meets an unlabelled control.
    """
    zone = upload.children[0]
    file_input = zone.children[0]
    if not isinstance(file_input, rx.Component) or file_input.tag != "input":
        raise TypeError(f"rx.upload's first inner child is {file_input!r}, not its file input")
    file_input.custom_attrs["aria-label"] = label
    return upload


def dropzone_role(upload: rx.Component, role: str) -> rx.Component:
    """Give ``rx.upload``'s dropzone an ARIA role of its own.

    react-dropzone's ``getRootProps()`` sets ``role="presentation"`` and ``rx.upload``
    spreads it after our props, so a ``role`` prop is overwritten; the role has to
    be the argument of that call.
    """
    zone = upload.children[0]
    if not isinstance(zone, rx.Component):
        raise TypeError(f"rx.upload's first child is {zone!r}, not its dropzone")
    [root_props] = zone.special_props
    if not root_props._js_expr.endswith("()"):
        raise TypeError(f"rx.upload's dropzone props are {root_props._js_expr!r}, not a call")
    zone.special_props = [
        rx.Var(
            _js_expr=f"{root_props._js_expr[:-1]}{json.dumps({'role': role})})",
            _var_data=root_props._var_data,
        )
    ]
    return upload


def upload_files_context() -> rx.Var:
    """The React context that holds every dropzone's selection, ``[filesById, setFilesById]``.

    ``rx.selected_files`` reads it and ``rx.clear_selected_files`` empties it; there
    is no public way to add one file to it or take one out (file_selection.jsx does).
    Its var data also puts the context's provider around the app.
    """
    from reflex_components_core.core.upload import get_upload_files_context_var_data

    return rx.Var(_js_expr="UploadFilesContext", _var_data=get_upload_files_context_var_data())


def selected_file_objects(upload_id: str) -> rx.Var:
    """The browser's ``File`` objects of a dropzone's selection, built on ``rx.selected_files``."""
    names = rx.selected_files(upload_id)
    return js_expression(f"(filesById[{json.dumps(upload_id)}] || [])", names)


def dropped_files() -> rx.Var:
    """The files a drop hands to ``rx.upload``'s ``on_drop`` chain, as a Var of that chain.

    Reflex names the chain's argument after its args spec; an event of the chain
    may read it (say, to send the files' names and sizes along with the upload).
    """
    from reflex_base.event import parse_args_spec
    from reflex_components_core.core.upload import _on_drop_spec

    placeholders, _ = parse_args_spec(_on_drop_spec)
    return placeholders[0]


def with_dropped_files(events: list[Any]) -> list[Any]:
    """Upload events that send the chain's own files, not the dropzone's selection.

    What ``rx.upload`` does to the events of its ``on_drop``, for another trigger
    of the same shape (a paste or a folder on a one-step page).
    """
    from reflex_base.event import EventSpec

    files = dropped_files()
    return [
        event.with_args(
            args=tuple(
                (name, files if name._js_expr == "files" else value) for name, value in event.args
            )
        )
        if isinstance(event, EventSpec)
        else event
        for event in events
    ]


def color_mode_provider_order() -> int:
    """Where Reflex puts the provider that writes the colour mode on the root theme's class.

    App wraps with a higher order wrap those with a lower one (``rx.App.extra_app_wraps``),
    so a wrap just above this one sees its effects run right after the provider's.
    """
    for order, name in rx.theme()._get_all_app_wrap_components():
        if name == "RadixThemesColorModeProvider":
            return order
    raise LookupError("rx.theme() no longer brings a RadixThemesColorModeProvider app wrap")


def drop_inherited_db_connections() -> None:
    """Let this process open database connections of its own, not use its parent's.

    Granian forks the backend workers from a process that may have used the database
    already (Reflex's engine, ``reflex.model.get_engine``, is one per process and URL,
    with a pool): two workers then share one PostgreSQL socket, and their first
    queries at start-up corrupt it ("connection in transaction status INTRANS").
    ``dispose(close=False)`` is SQLAlchemy's step for a forked child: forget the pool
    without closing what the parent still uses.
    """
    if db_url():
        get_engine().dispose(close=False)


def native_form_submit() -> rx.Var:
    """An ``on_submit`` for ``rx.el.form`` that lets the browser post the form to its ``action``.

    Reflex's form always cancels the browser's own submission (its handleSubmit calls
    ``ev.preventDefault()``) and calls ``on_submit`` with ``(form_data, ev)``. This
    submits the form natively (``HTMLFormElement.submit()`` fires no second submit
    event): the browser posts it and follows the answer, and no field's value becomes
    an event. Used by the sign-in and sign-out forms (auth_routes.py).
    """
    return FunctionStringVar.create("(_formData, event) => event.target.submit()")


def backend_route(path: str) -> str:
    """``path`` under the configured backend path, where Reflex mounts its own routes."""
    return reflex_config.get_config().prepend_backend_path(path)


def backend_host() -> str:
    """The address the backend listens on (``reflex run --backend-host`` sets it too)."""
    return reflex_config.get_config().backend_host


def upload_endpoint() -> str:
    """Where Reflex serves the upload endpoint (``/_upload`` unless a backend path is set)."""
    return backend_route(str(constants.Endpoint.UPLOAD))


def configured_upload_dir() -> Path:
    """The upload dir as configured (``REFLEX_UPLOADED_FILES_DIR``), resolved.

    Unlike ``rx.get_upload_dir()`` it does not create a missing directory, so
    a wrong setting shows as missing instead of as an empty upload dir.
    """
    return environment.REFLEX_UPLOADED_FILES_DIR.get().resolve()


def reload_config() -> None:
    """Read ``rxconfig.py`` and the environment again, after the tests have set it."""
    reflex_config.reload_config()


def db_url() -> str:
    """The configured database URL ("" when there is none)."""
    return reflex_config.get_config().db_url or ""


def api_url() -> str:
    """The backend's URL as the config has it (a test harness points it at its server)."""
    return reflex_config.get_config().api_url


# --- for the tests ------------------------------------------------------------------


def migrate_database() -> None:
    """``reflex db migrate`` in this process (its ``rx.Model.migrate`` is deprecated)."""
    from reflex import model

    model.migrate()


def initialize_gitignore(path: Path) -> None:
    """What ``reflex init`` / ``reflex run`` do to a project's .gitignore, done to ``path``."""
    from reflex.utils.frontend_skeleton import initialize_gitignore as reflex_initialize

    reflex_initialize(gitignore_file=path)


def new_state(state_cls: type[S]) -> S:
    """An instance of ``state_cls`` outside any app, to call its handlers directly."""
    return state_cls(_reflex_internal_init=True)  # pyright: ignore[reportCallIssue]


def with_cookie(state: rx.State, cookie: str) -> None:
    """Give a state made by ``new_state`` the router of a tab whose websocket sent ``cookie``."""
    from reflex.istate.data import RouterData

    state.router = RouterData.from_router_data({"headers": {"cookie": cookie}})


def restart_harness_backend(harness: Any, port: int, timeout: float = 30) -> None:
    """Start an ``AppHarness``'s backend again on ``port``, empty, as after a restart."""
    from reflex.istate.manager import StateManager

    harness.app_instance._state_manager = StateManager.create()
    harness._start_backend(port=port)
    harness._poll_for_servers(timeout=timeout)
