"""Every page as a person sees it, in the light theme, and the main ones in the dark too.

Each page must render without console errors, every picture on it must load
(lazy thumbnails too: they are made eager first), and an upload page must
state its policy's limits. The pages show what the other E2E tests stored, and a
few files this module stores first (so a run of this file alone shows a gallery,
a player and a library too). The PNGs go to the pytest temp dir, or to
assets/screenshots/ (used by the README) with UPDATE_SCREENSHOTS=1: ``<page>.png``
in light, ``<page>-dark.png`` in dark.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests import samples
from tests.a11y import Scheme, expect_scheme, luminance, page_background
from tests.backend.uploads import upload
from tests.conftest import ROOT
from tests.e2e.actions import choose_files, open_page, throttle_uploads
from upload_demo.pages.images import ImagesState
from upload_demo.pages.restricted import RestrictedState
from upload_demo.pages.video import VideoState
from upload_demo.policy import BY_PAGE
from upload_demo.routes import ROUTES

#: Every page with a path of its own (a drop link's page has a token in it: tests/access).
PAGES = [route.path for route in ROUTES if "[" not in route.path]
#: The pages also shot in the dark theme (the system's setting, which the app follows).
DARK_PAGES = ["/", "/images", "/library"]
SHOTS = [(route, "light") for route in PAGES] + [(route, "dark") for route in DARK_PAGES]


@pytest.fixture(scope="module")
def demo_files(backend_url: str) -> None:
    """A few files a person might drop (photos, a clip, documents), through the handlers."""
    seed = random.randrange(1 << 30)
    batches: list[tuple[type, list[tuple[str, bytes]]]] = [
        (
            ImagesState,
            [
                ("harbour.jpg", samples.photo_jpeg((900, 600), seed=seed)),
                ("meadow.webp", samples.photo_webp((600, 400), seed=seed + 1)),
                ("dunes.jpg", samples.photo_jpeg((800, 600), seed=seed + 2)),
                ("logo.png", samples.image_bytes("PNG", (256, 256), seed=seed % 65536)),
            ],
        ),
        (
            VideoState,
            [
                (
                    "holiday-clip.webm",
                    samples.video_bytes("webm", frames=24, seed=3, size=(640, 360)),
                )
            ],
        ),
        (
            RestrictedState,
            [
                ("quarterly-report.pdf", samples.pdf_bytes(f"report {seed}")),
                ("landing-page.html", samples.html_bytes(f"page {seed}")),
            ],
        ),
    ]
    for state, files in batches:
        _, outcomes = upload(backend_url, state, files)
        assert all(o["stored"] for o in outcomes), outcomes


def _load_every_image(page: Page) -> None:
    """Load every picture now, lazy ones too, and wait until all have (or failed to).

    A full-page screenshot shows the lazy images below the fold as well; the
    browser fetches them only once they near the viewport, so they are made eager.
    """
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.wait_for_function(
        "[...document.images].every(i => i.complete)", timeout=15_000, polling=200
    )
    broken = page.evaluate(
        "[...document.images].filter(i => i.naturalWidth === 0).map(i => i.currentSrc || i.src)"
    )
    assert broken == [], f"images that did not load: {broken}"


@pytest.mark.parametrize(("route", "scheme"), SHOTS)
def test_page_renders_cleanly(
    page: Page,
    frontend_url: str,
    demo_files: None,
    route: str,
    scheme: Scheme,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    errors: list[str] = []

    def keep_errors(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep_errors)
    page.emulate_media(color_scheme=scheme)
    if route == "/":
        page.goto(f"{frontend_url}/")
        expect(page.locator(".totals")).to_contain_text("stored")
    elif route == "/library":
        page.goto(f"{frontend_url}/library")
        expect(page.locator(".library-row").first).to_be_visible()
    elif route.strip("/") in BY_PAGE:
        open_page(page, frontend_url, route)
        # What the page says it takes is what its policy enforces (not a build's leftovers).
        expect(page.locator(".limits")).to_have_text(BY_PAGE[route.strip("/")].limits_text)
    else:
        page.goto(f"{frontend_url}{route}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    # "load", not "networkidle": a busy machine kept / from going idle for 30 s once.
    page.wait_for_load_state("load")
    _load_every_image(page)
    expect_scheme(page, scheme)
    dark = luminance(page_background(page)) < 0.05
    assert dark == (scheme == "dark"), f"{route} in {scheme}: page is {page_background(page)}"
    name = (route.strip("/") or "home") + ("-dark" if scheme == "dark" else "")
    page.screenshot(path=str(_target(tmp_path_factory) / f"{name}.png"), full_page=True)
    assert errors == []


def _target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.environ.get("UPDATE_SCREENSHOTS"):
        return tmp_path_factory.mktemp("screenshots")
    target = ROOT / "assets" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_file_list_mid_upload(
    page: Page,
    frontend_url: str,
    scheme: Scheme,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """/images while one request sends three pictures: each row with its own progress."""
    page.emulate_media(color_scheme=scheme)
    paths = []
    for i, (stem, size) in enumerate(
        [("beach", 300_000), ("harbour", 700_000), ("dunes", 500_000)]
    ):
        path = tmp_path / f"{stem}.png"
        path.write_bytes(samples.noisy_png(size, seed=random.randrange(1 << 30) + i))
        paths.append(path)
    notes = tmp_path / "packing-list.txt"
    notes.write_text("towels, sunscreen")
    open_page(page, frontend_url, "/images")
    choose_files(page, [*paths, notes])
    expect(page.locator(".file-preview")).to_have_count(3)
    throttle_uploads(page, 250_000)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".upload-file", has_text=paths[1].name)).to_have_attribute(
        "data-state", "sending", timeout=20_000
    )
    page.wait_for_timeout(800)
    page.screenshot(
        path=str(
            _target(tmp_path_factory) / f"images-uploading{'-dark' if scheme == 'dark' else ''}.png"
        ),
        full_page=False,
    )
    expect(page.locator(".upload-status")).to_contain_text("Done", timeout=60_000)
