"""The upload UI every page shares: dropzone, selection, file list, progress.

Each function takes the page's State class (a DropzonePageState), which
carries the page's UploadPolicy and upload id and says how an upload starts,
so a page passes one argument and gets the same behaviour as every other page.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx

from upload_demo.components.file_list_view import upload_list
from upload_demo.components.file_selection import (
    FileSelection,
    add_dropped,
    choose_folder,
    open_camera,
    refuse_dropped,
)
from upload_demo.components.layout import privacy_notice
from upload_demo.dropzone_state import DropzonePageState
from upload_demo.reflex_internals import (
    AccentColor,
    dropped_files,
    dropzone_role,
    label_file_input,
    with_dropped_files,
)
from upload_demo.upload_state import UploadPageState

#: The page's State class: every part takes one, the progress panel an UploadPageState.
State = type[DropzonePageState]


#: What the camera input takes on the pages that offer one, and the words of its button.
CAMERAS: dict[str, tuple[str, str, str]] = {
    "photo": ("image/*", "Take a photo", "camera"),
    "video": ("video/*", "Record a video", "video"),
}


def _keeper(state: State, *, one_step: bool, camera: str | None) -> rx.Component:
    """The dropzone's selection keeper (file_selection.jsx): paste, folder, camera, remove."""
    policy = state.policy
    capture = None
    if camera is not None:
        accept, _, _ = CAMERAS[camera]
        capture = {"accept": accept, "mode": "environment"}
    events: dict[str, Any] = {"on_change": state.selection_changed}
    if one_step:
        events["on_files"] = with_dropped_files(state.start_events(dropped_files()))
    return FileSelection.of(
        state.upload_id,
        rules=policy.selection_rules(),
        paste=policy.multiple,
        folders=policy.multiple,
        capture=capture,
        disabled=state.is_uploading,
        one_step=one_step,
        on_refused=state.note_rejected,
        **events,
    )


def dropzone(
    state: State, *, one_step: bool = False, no_keyboard: bool = False, camera: str | None = None
) -> rx.Component:
    """``rx.upload`` configured from the page's policy, with the limits in words.

    A drop adds to the selection through the keeper, which checks the count and
    total over the whole selection; on a one-step page it is the upload itself.
    """
    policy = state.policy
    on_drop: Any = (
        state.start_events(dropped_files())
        if one_step
        else rx.call_function(add_dropped(state.upload_id).partial(dropped_files()))
    )
    action = "the upload starts at once" if one_step else "then press Upload"
    paste = " You can also paste files (Ctrl+V)." if policy.multiple else ""
    zone = rx.upload(
        rx.vstack(
            rx.icon("cloud-upload", size=36, color="var(--accent-9)", aria_hidden="true"),
            rx.text(
                "Drag and drop files here, or click to choose",
                weight="medium",
                size="4",
            ),
            rx.text(policy.limits_text, size="2", color_scheme="gray", class_name="limits"),
            rx.text(f"Drop or select, {action}.{paste}", size="1", color_scheme="gray"),
            align="center",
            spacing="2",
        ),
        id=state.upload_id,
        **policy.dropzone_props(),
        no_keyboard=no_keyboard,
        disabled=state.is_uploading,
        on_drop=on_drop,
        on_drop_rejected=lambda records: rx.call_function(
            refuse_dropped(state.upload_id).partial(records)
        ),
        drag_active_style=rx.Style(
            {
                "border_color": "var(--accent-9)",
                "background_color": "var(--accent-3)",
            }
        ),
        border="2px dashed var(--gray-a7)",
        border_radius="var(--radius-4)",
        background_color="var(--color-panel-solid)",
        padding="2.5em 1em",
        width="100%",
        cursor="pointer",
        text_align="center",
        class_name="dropzone",
        # A button is named by its own text, the limits included (a label other than the
        # visible text would hide it); the zone the keyboard cannot reach keeps a label.
        aria_label=f"Upload files: {policy.limits_text}" if no_keyboard else None,
        aria_disabled=None if no_keyboard else state.is_uploading,
    )
    if not no_keyboard:
        # Enter or Space opens the file picker there: a screen reader should say "button".
        zone = dropzone_role(zone, "button")
    return rx.fragment(
        label_file_input(zone, f"Choose files: {policy.limits_text}"),
        _keeper(state, one_step=one_step, camera=camera),
    )


def _source_buttons(state: State, camera: str | None) -> rx.Component:
    """Other ways to add files: a whole folder, the phone's camera."""
    buttons = []
    if state.policy.multiple:
        buttons.append(
            rx.button(
                rx.icon("folder-up", size=16),
                "Choose a folder",
                variant="surface",
                on_click=choose_folder(state.upload_id),
                disabled=state.is_uploading,
                class_name="choose-folder",
            )
        )
    if camera is not None:
        _, label, icon = CAMERAS[camera]
        buttons.append(
            rx.button(
                rx.icon(icon, size=16),
                label,
                variant="surface",
                on_click=open_camera(state.upload_id),
                disabled=state.is_uploading,
                class_name="open-camera",
            )
        )
    return rx.hstack(*buttons, spacing="2", wrap="wrap")


def selection(state: State, *, one_step: bool = False, camera: str | None = None) -> rx.Component:
    """The other ways to add files, the count selected, Upload and Clear."""
    # Annotated Var, rx.selected_files returns an ArrayVar of the chosen files' names.
    files = cast("rx.vars.ArrayVar[list[str]]", rx.selected_files(state.upload_id))
    if one_step:
        return rx.hstack(_source_buttons(state, camera), width="100%")
    return rx.hstack(
        _source_buttons(state, camera),
        rx.spacer(),
        rx.text(
            rx.cond(
                files.length() > 0,
                rx.text.span(files.length(), " selected"),
                rx.text.span("Nothing selected", color_scheme="gray"),
            ),
            size="2",
            class_name="selected-count",
        ),
        rx.button(
            rx.icon("upload", size=16),
            "Upload",
            on_click=state.start_events(),
            disabled=(files.length() == 0) | state.is_uploading,
        ),
        rx.button(
            "Clear",
            variant="soft",
            color_scheme="gray",
            on_click=[rx.clear_selected_files(state.upload_id), state.clear_rejections],
            disabled=state.is_uploading,
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


_STATUS_COLORS: dict[str, AccentColor] = {
    "done": "green",
    "cancelled": "amber",
    "failed": "red",
    "uploading": "blue",
}


def progress_panel(state: type[UploadPageState]) -> rx.Component:
    """Progress bar with percent, bytes, speed and time left; the final state; Cancel."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Progress", weight="medium"),
                rx.spacer(),
                rx.match(
                    state.status,
                    *[
                        (
                            status,
                            rx.badge(
                                state.status_text,
                                color_scheme=color,
                                size="2",
                                class_name="upload-status",
                            ),
                        )
                        for status, color in _STATUS_COLORS.items()
                    ],
                    rx.fragment(),
                ),
                rx.button(
                    rx.icon("circle-x", size=16),
                    "Cancel",
                    color_scheme="red",
                    variant="soft",
                    on_click=state.cancel,
                    disabled=~state.is_uploading,
                ),
                width="100%",
                align="center",
            ),
            # Reflex types an int computed var, read on the class, as a NumberVar of any number.
            rx.progress(value=state.percent, max=100, size="3", aria_label="Upload progress"),  # pyright: ignore[reportArgumentType]
            rx.text(
                rx.cond(rx.State.is_hydrated, state.progress_text, "Connecting to the server…"),
                size="2",
                color_scheme="gray",
                class_name="progress-text",
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
    )


def announcer(text: rx.Var[str]) -> rx.Component:
    """A live region: screen readers read ``text`` out as it changes, no one sees it."""
    return rx.box(
        text,
        role="status",
        aria_live="polite",
        class_name="upload-announcer",
        position="absolute",
        width="1px",
        height="1px",
        overflow="hidden",
        clip_path="inset(50%)",
        white_space="nowrap",
    )


def upload_panel(
    state: type[UploadPageState],
    *,
    one_step: bool = False,
    no_keyboard: bool = False,
    camera: str | None = None,
) -> rx.Component:
    """Everything an upload page needs above its results.

    ``camera``: "photo" or "video" offers the phone's camera (the ``capture`` attribute).
    """
    return rx.vstack(
        dropzone(state, one_step=one_step, no_keyboard=no_keyboard, camera=camera),
        selection(state, one_step=one_step, camera=camera),
        upload_list(state, state.file_rows),
        progress_panel(state),
        announcer(state.announcement),
        privacy_notice(),
        width="100%",
        spacing="3",
    )
