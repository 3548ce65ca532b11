"""axe-core on every page of the open app, in the light and the dark theme.

No serious or critical violation may remain (tests/a11y.py; the one allowance, the
upload panel's unlabelled file input, says why). Pages are scanned with something on
them (a gallery, a player, the library's rows), and the states a person brings about
are scanned too: a selection with a refusal, the server's results, the dialogs. The
sign-in form with accounts, /admin's tables and an open drop link's page are in
tests/access/test_a11y.py.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import client, samples
from tests.a11y import SCHEMES, Scheme, expect_accessible, open_in_scheme
from tests.db import tag
from tests.e2e.actions import choose_files, expect_status
from upload_demo.pages.images import ImagesState
from upload_demo.pages.restricted import RestrictedState
from upload_demo.pages.video import VideoState
from upload_demo.policy import BY_PAGE
from upload_demo.routes import ROUTES

#: Every page with a path of its own, and a drop link's page for a link that does not exist.
PAGES = [route.path for route in ROUTES if "[" not in route.path] + ["/drop/no-such-link"]


def _store(backend_url: str, state: type, files: list[tuple[str, bytes]]) -> None:
    response = client.post_upload(backend_url, state.handle_upload, files)
    assert response.status_code == 200, response.text[:500]
    outcomes = client.outcomes(response, state)
    assert all(o["stored"] for o in outcomes), outcomes


@dataclasses.dataclass(frozen=True)
class Stored:
    """What the module stored: its tag (in every name) and one image's bytes."""

    tag: str
    image: bytes


@pytest.fixture(scope="module")
def stored(backend_url: str) -> Stored:
    """Images, a video and documents stored through the pages' handlers."""
    t = tag()
    seed = random.randrange(1 << 30)
    image = samples.image_bytes("PNG", (320, 200), seed=seed)
    _store(
        backend_url,
        ImagesState,
        [
            (f"a11y-{t}-photo.jpg", samples.photo_jpeg((480, 320), seed=seed)),
            (f"a11y-{t}-chart.png", image),
        ],
    )
    _store(backend_url, VideoState, [(f"a11y-{t}-clip.webm", samples.video_bytes("webm"))])
    _store(
        backend_url,
        RestrictedState,
        [
            (f"a11y-{t}-report.pdf", samples.pdf_bytes(f"a11y {t}")),
            (f"a11y-{t}-page.html", samples.html_bytes(f"a11y {t}")),
        ],
    )
    return Stored(t, image)


def _wait_until_ready(page: Page, route: str) -> None:
    """What shows once the page has its data from the backend."""
    if route == "/":
        expect(page.locator(".totals")).to_contain_text("stored")
    elif route == "/library":
        expect(page.locator(".library-row").first).to_be_visible()
    elif route == "/admin":
        expect(page.locator(".not-admin")).to_be_visible()
    elif route.startswith("/drop/"):
        expect(page.locator(".drop-refusal")).to_be_visible()
    elif route.strip("/") in BY_PAGE:
        expect(page.locator(".progress-text")).not_to_contain_text("Connecting")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("route", PAGES)
def test_page_has_no_serious_violations(
    page: Page, frontend_url: str, stored: Stored, route: str, scheme: Scheme
) -> None:
    open_in_scheme(page, f"{frontend_url}{route}", scheme)
    _wait_until_ready(page, route)
    expect_accessible(page, f"{route} ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_upload_states_and_dialogs_have_no_serious_violations(
    page: Page, frontend_url: str, stored: Stored, scheme: Scheme, tmp_path: Path
) -> None:
    """A selection with a refused file, the server's results (a duplicate too), the dialogs."""
    fresh = tmp_path / f"a11y-{tag()}-new.png"
    fresh.write_bytes(samples.image_bytes("PNG", (90, 60), seed=random.randrange(1 << 30)))
    repeat = tmp_path / "again.png"
    repeat.write_bytes(stored.image)
    refused = tmp_path / "bundle.zip"
    refused.write_bytes(b"PK\x03\x04" + bytes(100))

    open_in_scheme(page, f"{frontend_url}/images", scheme)
    _wait_until_ready(page, "/images")
    choose_files(page, [fresh, repeat, refused])
    expect(page.locator(".upload-files")).to_contain_text("bundle.zip")
    expect(page.locator(".upload-files")).to_contain_text(fresh.name)
    expect_accessible(page, f"/images with a selection and a refusal ({scheme})")

    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done")
    expect(page.locator(".file-stored")).to_contain_text(fresh.name)
    expect(page.locator(".file-repeat")).to_contain_text(repeat.name)
    expect_accessible(page, f"/images with the server's results ({scheme})")

    page.locator(".gallery-item").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect_accessible(page, f"/images, a file's dialog ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    open_in_scheme(page, f"{frontend_url}/library?q=a11y-{stored.tag}", scheme)
    row = page.locator(".library-row").first
    expect(row).to_be_visible()
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    expect_accessible(page, f"/library, the delete confirmation ({scheme})")
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)

    row.locator(".library-open").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect_accessible(page, f"/library, a file's dialog ({scheme})")
