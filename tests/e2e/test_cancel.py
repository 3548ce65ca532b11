"""Cancel on every upload page: aborted mid-way, or too late to abort; nothing stored.

The upload dir is compared whole, temp files included, so /large's partial file counts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests import samples
from tests.db import tag
from tests.e2e.actions import cancel_throttled_upload, cancel_too_late_to_abort, open_page

#: A file of a few MB that each page accepts, so a 128 KiB/s upload takes 20 s or more.
PAYLOADS: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "/images": (".png", lambda seed: samples.noisy_png(3_000_000, seed=seed)),
    "/video": (".mp4", lambda seed: samples.video_bytes("mp4", seed=seed) + bytes(2_000_000)),
    "/one-step": (".png", lambda seed: samples.noisy_png(3_000_000, seed=seed)),
    "/large": (".pdf", lambda seed: b"%PDF-1.7\n" + random.Random(seed).randbytes(4_000_000)),
}


@pytest.mark.parametrize("route", list(PAYLOADS))
@pytest.mark.parametrize(
    "cancel", [cancel_throttled_upload, cancel_too_late_to_abort], ids=["aborted", "too-late"]
)
def test_cancel_stores_nothing(
    page: Page,
    frontend_url: str,
    upload_dir: Path,
    tmp_path: Path,
    route: str,
    cancel: Callable[..., None],
) -> None:
    extension, make = PAYLOADS[route]
    path = tmp_path / f"cancelled-{tag()}{extension}"
    path.write_bytes(make(random.getrandbits(32)))
    open_page(page, frontend_url, route)
    cancel(page, upload_dir, path, press_upload=route != "/one-step")
