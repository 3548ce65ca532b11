"""/one-step: the upload handler bound to ``on_drop``, so dropping is uploading."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from upload_demo import policy, routes
from upload_demo.components.file_views import file_list, section
from upload_demo.components.layout import page_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import UploadPageState


class OneStepState(UploadPageState, rx.State):
    """Upload on drop or selection: no Upload button, the same checks."""

    policy: ClassVar[UploadPolicy] = policy.ONE_STEP
    upload_id: ClassVar[str] = "one_step"


def one_step_page() -> rx.Component:
    """A dropzone whose on_drop starts the upload straight away."""
    return page_layout(
        "One-step upload",
        "rx.upload(on_drop=State.handle_upload(rx.upload_files(...))): dropping or "
        "choosing files starts the upload at once, with no Upload button.",
        routes.ONE_STEP,
        upload_panel(OneStepState, one_step=True),
        section("Stored from this page", file_list(OneStepState.items, "Nothing stored yet.")),
    )
