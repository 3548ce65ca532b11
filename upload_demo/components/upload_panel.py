"""The upload UI every page shares: dropzone, selection, progress, outcomes.

Each function takes the page's State class (a DropzonePageState), which
carries the page's UploadPolicy and upload id and says how an upload starts,
so a page passes one argument and gets the same behaviour as every other page.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx

from upload_demo.components.file_views import stored_url
from upload_demo.components.layout import privacy_notice
from upload_demo.dropzone_state import DropzonePageState, Rejection
from upload_demo.ingest import Outcome
from upload_demo.reflex_internals import AccentColor
from upload_demo.upload_state import UploadPageState

#: The page's State class: every part takes one, the progress panel an UploadPageState.
State = type[DropzonePageState]


def _rejection_records(records: Any) -> Any:
    """Only names, sizes and error codes go to the server, never a refused file's bytes."""
    return records.to(list).map(
        lambda r: {
            "name": r.to(dict)["file"].to(dict)["name"],
            "codes": r.to(dict)["errors"].to(list).map(lambda e: e.to(dict)["code"]),
        }
    )


def dropzone(state: State, *, one_step: bool = False, no_keyboard: bool = False) -> rx.Component:
    """``rx.upload`` configured from the page's policy, with the limits in words."""
    policy = state.policy
    extra: dict[str, Any] = {}
    if one_step:
        extra["on_drop"] = state.start_events()
    action = "the upload starts at once" if one_step else "then press Upload"
    return rx.upload(
        rx.vstack(
            rx.icon("cloud-upload", size=36, color="var(--accent-9)"),
            rx.text(
                "Drag and drop files here, or click to choose",
                weight="medium",
                size="4",
            ),
            rx.text(policy.limits_text, size="2", color_scheme="gray", class_name="limits"),
            rx.text(f"Drop or select, {action}.", size="1", color_scheme="gray"),
            align="center",
            spacing="2",
        ),
        id=state.upload_id,
        **policy.dropzone_props(),
        no_keyboard=no_keyboard,
        disabled=state.is_uploading,
        on_drop_rejected=lambda records: state.note_rejected(_rejection_records(records)),
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
        **extra,
    )


def selection(state: State) -> rx.Component:
    """The files chosen so far, with Upload and Clear."""
    # Annotated Var, rx.selected_files returns an ArrayVar of the chosen files' names.
    files = cast("rx.vars.ArrayVar[list[str]]", rx.selected_files(state.upload_id))
    return rx.vstack(
        rx.hstack(
            rx.text("Selected: ", weight="medium"),
            rx.cond(
                files.length() > 0,
                rx.text(files.length(), " file(s)"),
                rx.text("nothing yet", color_scheme="gray"),
            ),
            rx.spacer(),
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
        ),
        rx.cond(
            files.length() > 0,
            rx.flex(
                rx.foreach(
                    files,
                    lambda name: rx.badge(
                        rx.icon("file", size=12), name, variant="surface", size="2"
                    ),
                ),
                wrap="wrap",
                gap="2",
                class_name="selected-files",
            ),
        ),
        width="100%",
        spacing="2",
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


def _outcome_row(outcome: rx.vars.ObjectVar[Outcome]) -> rx.Component:
    """A stored file, a refusal, or a repeat of a stored file with a link to that file."""
    duplicate = outcome.repeat
    return rx.hstack(
        rx.cond(
            outcome.stored,
            rx.icon("circle-check", color="var(--green-9)", size=18),
            rx.cond(
                duplicate,
                rx.icon("copy", color="var(--amber-10)", size=18),
                rx.icon("circle-x", color="var(--red-9)", size=18),
            ),
        ),
        rx.text(outcome.name, weight="medium", trim="both"),
        rx.text(
            outcome.message,
            color_scheme=rx.cond(outcome.stored, "gray", rx.cond(duplicate, "amber", "red")),
            size="2",
        ),
        rx.cond(
            outcome.duplicate_of != "",
            rx.link(
                "open the stored file",
                href=stored_url(outcome.duplicate_of),
                is_external=True,
                size="2",
                class_name="duplicate-link",
            ),
        ),
        align="center",
        spacing="2",
        class_name=rx.cond(
            outcome.stored,
            "outcome outcome-stored",
            rx.cond(
                duplicate, "outcome outcome-rejected outcome-duplicate", "outcome outcome-rejected"
            ),
        ),
    )


def _rejection_row(rejection: rx.vars.ObjectVar[Rejection]) -> rx.Component:
    return rx.hstack(
        rx.icon("ban", color="var(--red-9)", size=18),
        rx.text(rejection.name, weight="medium"),
        rx.text(rejection.reason, color_scheme="red", size="2", high_contrast=True),
        align="center",
        spacing="2",
        class_name="rejection",
    )


def outcome_list(state: State) -> rx.Component:
    """Per-file results: refused by the browser (never sent), then the server's verdicts."""
    return rx.fragment(
        rx.cond(
            state.rejections.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.vstack(
                    rx.text("Refused by the browser, not sent:", weight="bold"),
                    rx.foreach(state.rejections, _rejection_row),
                    spacing="1",
                ),
                color_scheme="red",
                high_contrast=True,
                width="100%",
                class_name="rejections",
            ),
        ),
        rx.cond(
            state.outcomes.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text("Server results", weight="bold"),
                    rx.foreach(state.outcomes, _outcome_row),
                    spacing="1",
                ),
                width="100%",
                class_name="outcomes",
            ),
        ),
    )


def upload_panel(
    state: type[UploadPageState], *, one_step: bool = False, no_keyboard: bool = False
) -> rx.Component:
    """Everything an upload page needs above its results."""
    return rx.vstack(
        dropzone(state, one_step=one_step, no_keyboard=no_keyboard),
        rx.fragment() if one_step else selection(state),
        progress_panel(state),
        outcome_list(state),
        privacy_notice(),
        width="100%",
        spacing="3",
    )
