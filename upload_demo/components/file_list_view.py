"""The panel's one file list: a row per file with its preview, size, state and actions.

Rows come from the page's State (file_rows.py says what each holds); the
previews are object URLs the browser made for the files it holds
(file_selection.jsx), found by each row's place in the selection.
"""

from __future__ import annotations

from typing import cast

import reflex as rx

from upload_demo.components import file_selection
from upload_demo.components.file_views import stored_url
from upload_demo.dropzone_state import DropzonePageState
from upload_demo.file_rows import FileRow
from upload_demo.reflex_internals import AccentColor

#: The badge colour of each state.
STATE_COLORS: dict[str, AccentColor] = {
    "queued": "gray",
    "waiting": "gray",
    "sending": "blue",
    "sent": "blue",
    "processing": "blue",
    "stored": "green",
    "repeat": "amber",
    "refused": "red",
}

#: Lucide icons for file_rows.icon_of's names.
_ICONS = {
    "image": "file-image",
    "video": "file-video",
    "audio": "file-audio",
    "document": "file-text",
    "archive": "file-archive",
}

_IN_FLIGHT = ["waiting", "sending", "sent", "processing"]

#: The selection's preview URLs, in its order.
Previews = rx.vars.ArrayVar[list[str]]

_THUMB = "40px"


def _icon(row: rx.vars.ObjectVar[FileRow]) -> rx.Component:
    return rx.center(
        rx.match(
            row.icon,
            *[(name, rx.icon(icon, size=22)) for name, icon in _ICONS.items()],
            rx.icon("file", size=22),
        ),
        color="var(--gray-11)",
        background_color="var(--gray-a3)",
        border_radius="var(--radius-2)",
        class_name="file-icon",
        width=_THUMB,
        height=_THUMB,
        flex_shrink="0",
    )


def _preview(row: rx.vars.ObjectVar[FileRow], previews: Previews) -> rx.Component:
    """The browser's own thumbnail of a selected image, else the type's icon."""
    slot = row.slot.to(int)
    url = previews[slot].to(str)
    return rx.cond(
        (slot >= 0) & (previews.length() > slot) & (url != ""),
        rx.image(
            src=url,
            alt="",
            object_fit="cover",
            border_radius="var(--radius-2)",
            class_name="file-preview",
            width=_THUMB,
            height=_THUMB,
            flex_shrink="0",
        ),
        _icon(row),
    )


def _name(row: rx.vars.ObjectVar[FileRow]) -> rx.Component:
    return rx.text(
        rx.cond(row.folder != "", rx.text.span(row.folder, "/", color_scheme="gray"), ""),
        rx.text.span(row.name, weight="medium"),
        class_name="file-name",
        overflow_wrap="anywhere",
    )


def _details(row: rx.vars.ObjectVar[FileRow]) -> rx.Component:
    """The size, then what became of the file (or why it was refused)."""
    return rx.text(
        row.size_text,
        rx.cond((row.size_text != "") & (row.message != ""), " · ", ""),
        rx.text.span(
            row.message,
            color=rx.cond(row.state == "refused", "var(--red-11)", "inherit"),
            class_name="file-message",
        ),
        size="2",
        color_scheme="gray",
    )


def _state_badge(row: rx.vars.ObjectVar[FileRow], color: AccentColor) -> rx.Component:
    # High contrast: a soft badge's small text is under 4.5:1 in red and amber.
    return rx.badge(row.label, color_scheme=color, high_contrast=True, class_name="file-state")


def _badge(row: rx.vars.ObjectVar[FileRow]) -> rx.Component:
    return rx.fragment(
        rx.match(
            row.state,
            *[(state, _state_badge(row, color)) for state, color in STATE_COLORS.items()],
            _state_badge(row, "gray"),
        )
    )


def _actions(state: type[DropzonePageState], row: rx.vars.ObjectVar[FileRow]) -> rx.Component:
    """Remove a selected file, dismiss a refusal, or open the file a repeat repeats."""
    return rx.fragment(
        rx.cond(
            (row.state == "queued") & (row.slot.to(int) >= 0),
            rx.icon_button(
                rx.icon("x", size=16),
                size="1",
                variant="ghost",
                color_scheme="gray",
                aria_label=f"Remove {row.name}",
                title="Remove from the selection",
                on_click=file_selection.remove_selected(state.upload_id, row.slot.to(int)),
                class_name="remove-file",
            ),
        ),
        rx.cond(
            row.refusal.to(int) >= 0,
            rx.icon_button(
                rx.icon("x", size=16),
                size="1",
                variant="ghost",
                color_scheme="gray",
                aria_label=f"Dismiss {row.name}",
                title="Take off the list",
                on_click=state.dismiss_rejection(row.refusal.to(int)),
                class_name="dismiss-file",
            ),
        ),
        rx.cond(
            row.duplicate_of != "",
            rx.link(
                "open the stored file",
                href=stored_url(row.duplicate_of),
                is_external=True,
                size="2",
                class_name="duplicate-link",
            ),
        ),
    )


def _row(
    state: type[DropzonePageState], row: rx.vars.ObjectVar[FileRow], previews: Previews
) -> rx.Component:
    in_flight = rx.Var.create(_IN_FLIGHT).contains(row.state)
    return rx.el.li(
        rx.hstack(
            _preview(row, previews),
            rx.vstack(
                _name(row),
                rx.cond(
                    in_flight,
                    rx.progress(
                        value=row.percent,
                        max=100,
                        size="1",
                        aria_label=f"Sending {row.name}",
                    ),
                ),
                _details(row),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            _badge(row),
            _actions(state, row),
            align="center",
            spacing="3",
            width="100%",
        ),
        class_name=f"upload-file file-{row.state}",
        data_state=row.state,
        list_style="none",
        padding="0.5em 0",
        border_top="1px solid var(--gray-a4)",
    )


def upload_list(state: type[DropzonePageState], rows_var: rx.Var[list[FileRow]]) -> rx.Component:
    """Every file of the selection and of the last upload, or nothing while there is none."""
    previews = cast("Previews", file_selection.previews(state.upload_id))
    rows = cast("rx.vars.ArrayVar[list[FileRow]]", rows_var)
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(
            rx.foreach(rows, lambda row: _row(state, row, previews)),
            class_name="upload-files",
            aria_label="Files",
            width="100%",
            margin="0",
            padding="0",
        ),
    )
