"""/large: files of several GB, streamed to disk in chunks as they arrive."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from upload_demo import policy, routes
from upload_demo.components.file_views import file_list, section
from upload_demo.components.layout import page_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import StreamingUploadPageState


class LargeState(StreamingUploadPageState, rx.State):
    """Large-file upload; the streaming handler comes from the shared base."""

    policy: ClassVar[UploadPolicy] = policy.LARGE
    upload_id: ClassVar[str] = "large"
    items_limit: ClassVar[int] = 30


def large_page() -> rx.Component:
    """Dropzone for a few large files, then the files stored from this page."""
    return page_layout(
        "Large files, streamed",
        "rx.upload_files_chunk with an @rx.event(background=True) handler taking "
        "rx.UploadChunkIterator: each chunk is written to disk as it arrives, so a "
        "file of several GB costs no memory; limits apply while it streams.",
        routes.LARGE,
        upload_panel(LargeState),
        section("Files from this page", file_list(LargeState.items, "None yet.")),
    )
