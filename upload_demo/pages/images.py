"""/images: several images in one upload (``multiple=True``), shown as a gallery."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from upload_demo import policy, routes
from upload_demo.components.file_views import gallery, section
from upload_demo.components.layout import page_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import UploadPageState


class ImagesState(UploadPageState, rx.State):
    """Multi-image upload; everything but the policy comes from the shared base."""

    policy: ClassVar[UploadPolicy] = policy.IMAGES
    upload_id: ClassVar[str] = "images"


def images_page() -> rx.Component:
    """Dropzone for many images, then the gallery of stored images."""
    return page_layout(
        "Multiple image upload",
        "rx.upload with multiple=True: choose or drop several images, send them in one "
        "request with rx.upload_files, and watch on_upload_progress.",
        routes.IMAGES,
        upload_panel(ImagesState, camera="photo"),
        section("Gallery", gallery(ImagesState.items, "No images stored yet.")),
    )
