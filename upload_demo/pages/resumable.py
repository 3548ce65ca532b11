"""/resumable: files sent with tus, surviving a lost connection, a reload or a server restart."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from upload_demo import routes, tus_app
from upload_demo.components import resumable_uploads
from upload_demo.components.backend_links import backend_url
from upload_demo.components.file_list_view import upload_list
from upload_demo.components.file_views import file_list, section
from upload_demo.components.layout import page_layout, privacy_notice
from upload_demo.components.resumable_uploads import ResumableUploads
from upload_demo.components.upload_panel import dropzone, selection
from upload_demo.pages.resumable_state import (
    ACTIVE,
    RESUMABLE,
    ResumableFile,
    ResumableState,
    UnfinishedView,
)
from upload_demo.reflex_internals import AccentColor

_BADGES: dict[str, tuple[str, AccentColor]] = {
    "queued": ("queued", "gray"),
    "sending": ("sending", "blue"),
    "resuming": ("resuming", "blue"),
    "retrying": ("retrying", "amber"),
    "paused": ("paused", "gray"),
    "failed": ("failed", "red"),
    "refused": ("refused", "red"),
    "cancelled": ("cancelled", "amber"),
    "stored": ("stored", "green"),
    "repeat": ("already stored", "amber"),
}


def _badge(file: rx.vars.ObjectVar[ResumableFile]) -> rx.Component:
    return rx.fragment(
        rx.match(
            file.status,
            *[
                (status, rx.badge(label, color_scheme=color, class_name="file-status"))
                for status, (label, color) in _BADGES.items()
            ],
            rx.badge(file.status, class_name="file-status"),
        )
    )


def _in(status: rx.Var[str], states: frozenset[str]) -> rx.Var[bool]:
    return rx.Var.create(sorted(states)).contains(status)


def _file_button(
    file: rx.vars.ObjectVar[ResumableFile],
    label: str,
    icon: str,
    action: Callable[[str, rx.Var[str]], rx.event.EventSpec],
    shown_in: frozenset[str],
) -> rx.Component:
    """A button of one file, shown in the states it applies to (none once refused for good)."""
    return rx.cond(
        _in(file.status, shown_in) & ~file.final,
        rx.button(
            rx.icon(icon, size=14),
            label,
            size="1",
            variant="soft",
            color_scheme="red" if label == "Cancel" else None,
            on_click=action(ResumableState.upload_id, file.key),
            aria_label=f"{label} {file.name}",
            class_name=label.lower(),
        ),
    )


def _file_row(file: rx.vars.ObjectVar[ResumableFile]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("file", size=16),
                rx.text(file.name, weight="medium", trim="both", class_name="file-name"),
                _badge(file),
                rx.spacer(),
                _file_button(file, "Pause", "pause", resumable_uploads.pause, ACTIVE - {"paused"}),
                _file_button(file, "Resume", "play", resumable_uploads.resume, RESUMABLE),
                _file_button(
                    file, "Cancel", "circle-x", resumable_uploads.cancel, ACTIVE | {"failed"}
                ),
                width="100%",
                align="center",
                spacing="2",
            ),
            rx.progress(value=file.percent, max=100, size="2", aria_label="Sent"),
            rx.text(file.text, size="2", color_scheme="gray", class_name="file-text"),
            width="100%",
            spacing="2",
        ),
        width="100%",
        class_name="resumable-file",
        data_status=file.status,
    )


def _unfinished_row(upload: rx.vars.ObjectVar[UnfinishedView]) -> rx.Component:
    return rx.hstack(
        rx.icon("file-clock", size=16),
        rx.text(upload.name, weight="medium"),
        rx.text(upload.text, size="2", color_scheme="gray"),
        align="center",
        spacing="2",
        class_name="unfinished",
    )


def _unfinished() -> rx.Component:
    return rx.cond(
        (ResumableState.unfinished.length() > 0) & ~ResumableState.is_uploading,
        rx.callout.root(
            rx.callout.icon(rx.icon("history")),
            rx.vstack(
                rx.text(
                    "Unfinished uploads: choose or drop the same file again to resume it.",
                    weight="bold",
                ),
                rx.foreach(ResumableState.unfinished, _unfinished_row),
                spacing="1",
            ),
            color_scheme="blue",
            high_contrast=True,
            width="100%",
            class_name="unfinished-uploads",
        ),
    )


def resumable_page() -> rx.Component:
    """Dropzone, one row per file with its own progress and buttons, then the stored files."""
    return page_layout(
        "Resumable uploads (tus)",
        "tus-js-client wrapped as a Reflex component, the tus 1.0 protocol on a backend "
        "route mounted with rx.App(api_transformer=...): pause, resume, retry after a "
        "lost connection, resume after a reload or a server restart.",
        routes.RESUMABLE,
        rx.vstack(
            dropzone(ResumableState),
            selection(ResumableState),
            upload_list(ResumableState, ResumableState.selection_rows),
            _unfinished(),
            rx.text(
                rx.cond(rx.State.is_hydrated, ResumableState.summary, "Connecting to the server…"),
                size="2",
                color_scheme="gray",
                class_name="progress-text",
                aria_live="polite",
            ),
            # Draws nothing but the wait for the network (see its .jsx).
            ResumableUploads.create(
                upload_id=ResumableState.upload_id,
                endpoint=backend_url(tus_app.PATH.lstrip("/")),
                headers={"Reflex-Client-Token": rx.State.router.session.client_token},
                chunk_size=resumable_uploads.CHUNK_SIZE,
                retry_delays=resumable_uploads.RETRY_DELAYS_MS,
                on_change=ResumableState.file_changed,
                on_finished=ResumableState.file_finished,
            ),
            rx.vstack(
                rx.foreach(ResumableState.files, _file_row),
                width="100%",
                spacing="2",
                class_name="resumable-files",
                aria_live="polite",
            ),
            privacy_notice(),
            width="100%",
            spacing="3",
        ),
        section("Files from this page", file_list(ResumableState.items, "None yet.")),
    )
