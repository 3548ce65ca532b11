"""Every page as a person sees it, after the other E2E tests have filled it.

Each page must render without console errors, every picture on it must load
(lazy thumbnails too: they are made eager first), and an upload page must
state its policy's limits. The PNGs go to
the pytest temp dir, or to assets/screenshots/ (used by the README) with
UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.conftest import ROOT
from tests.e2e.actions import open_page
from upload_demo.policy import BY_PAGE
from upload_demo.routes import ROUTES

#: Every page with a path of its own (a drop link's page has a token in it: tests/access).
PAGES = [route.path for route in ROUTES if "[" not in route.path]


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


@pytest.mark.parametrize("route", PAGES)
def test_page_renders_cleanly(
    page: Page, frontend_url: str, route: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    errors: list[str] = []

    def keep_errors(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep_errors)
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
    page.wait_for_load_state("networkidle")
    _load_every_image(page)
    target = (
        ROOT / "assets" / "screenshots"
        if os.environ.get("UPDATE_SCREENSHOTS")
        else tmp_path_factory.mktemp("screenshots")
    )
    target.mkdir(parents=True, exist_ok=True)
    name = route.strip("/") or "home"
    page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)
    assert errors == []
