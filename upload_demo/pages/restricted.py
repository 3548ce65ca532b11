"""/restricted: the Reflex docs' restrictions, enforced again on the server."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from upload_demo import policy, routes
from upload_demo.components.file_views import file_list, section
from upload_demo.components.layout import page_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import UploadPageState


class RestrictedState(UploadPageState, rx.State):
    """At most 5 files of PDF, images or HTML; the server checks count, type and size."""

    policy: ClassVar[UploadPolicy] = policy.RESTRICTED
    upload_id: ClassVar[str] = "restricted"


def restricted_page() -> rx.Component:
    """Keyboard-disabled dropzone with type, count and size limits."""
    return page_layout(
        "Restricted upload",
        "rx.upload with accept, max_files=5, max_size and no_keyboard=True "
        "(Space and Enter do not open the file chooser); the server re-checks every limit.",
        routes.RESTRICTED,
        upload_panel(RestrictedState, no_keyboard=True),
        section("Stored from this page", file_list(RestrictedState.items, "Nothing stored yet.")),
    )
