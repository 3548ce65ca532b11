"""/video: a single video (``max_files=1``), played in a native video element."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from upload_demo import policy, routes
from upload_demo.components.file_views import file_list, section, video_player
from upload_demo.components.layout import page_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import UploadPageState


class VideoState(UploadPageState, rx.State):
    """Single-video upload: the newest video plays, earlier ones are listed."""

    policy: ClassVar[UploadPolicy] = policy.VIDEO
    upload_id: ClassVar[str] = "video"
    items_limit: ClassVar[int] = 20


def video_page() -> rx.Component:
    """Dropzone for one video, the player for the newest, and the earlier ones."""
    return page_layout(
        "Single video upload",
        "rx.upload with max_files=1 and multiple=False: one video per upload, "
        "played back from rx.get_upload_url in a <video controls> element.",
        routes.VIDEO,
        upload_panel(VideoState, camera="video"),
        section(
            "Newest video",
            rx.cond(
                VideoState.items.length() > 0,
                video_player(VideoState.items[0]),
                rx.text("No video stored yet.", color_scheme="gray"),
            ),
        ),
        section("All videos from this page", file_list(VideoState.items, "None yet.")),
    )
