"""/video, /restricted, /one-step and / in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Error, Page, expect

from tests import samples
from tests.db import rows_named
from tests.e2e.actions import (
    SIGNED,
    choose_files,
    drop_files,
    expect_status,
    open_page,
)
from upload_demo import records
from upload_demo.units import human_bytes

# --- /video ---------------------------------------------------------------


def test_video_click_upload_plays(page: Page, frontend_url: str, tmp_path: Path) -> None:
    clip = tmp_path / "holiday-clip.webm"
    clip.write_bytes(samples.video_bytes("webm", seed=3001))
    open_page(page, frontend_url, "/video")
    choose_files(page, [clip])
    expect(page.locator(".upload-files")).to_contain_text("holiday-clip.webm")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected")
    player = page.locator("video#player")
    expect(player).to_have_attribute("src", re.compile(r"/_upload/[0-9a-f]{32}\.webm" + SIGNED))
    expect(player).to_have_attribute("controls", "")
    # The browser really loads the stored video: its metadata gives the duration.
    page.wait_for_function(
        "() => { const v = document.querySelector('video#player');"
        " return v && v.readyState >= 1 && v.duration > 0; }"
    )
    assert len(rows_named("holiday-clip.webm")) == 1

    page.reload()
    open_page(page, frontend_url, "/video")
    expect(page.locator("video#player")).to_have_attribute("src", re.compile(r"\.webm" + SIGNED))


def test_video_drop_replaces_player_and_refuses_two(page: Page, frontend_url: str) -> None:
    open_page(page, frontend_url, "/video")
    drop_files(page, [("newest.mp4", samples.video_bytes("mp4", seed=3101), "video/mp4")])
    expect(page.locator(".upload-files")).to_contain_text("newest.mp4")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored")
    expect(page.locator("video#player")).to_have_attribute("src", re.compile(r"\.mp4" + SIGNED))
    expect(page.get_by_text("newest.mp4").first).to_be_visible()

    drop_files(
        page,
        [
            ("one.webm", samples.video_bytes("webm", seed=3102), "video/webm"),
            ("two.webm", samples.video_bytes("webm", seed=3103), "video/webm"),
        ],
    )
    rejections = page.locator(".upload-files")
    expect(rejections).to_contain_text("one.webm")
    expect(rejections).to_contain_text("too many files: only one file at a time")


# --- /restricted ------------------------------------------------------------


def test_restricted_keyboard_does_not_open_chooser(page: Page, frontend_url: str) -> None:
    """no_keyboard=True: the dropzone leaves the tab order and ignores Enter/Space.

    (/images, with the keyboard on, opens the chooser on Enter: see test_images.)
    """
    open_page(page, frontend_url, "/restricted")
    zone = page.locator(".dropzone")
    expect(zone).not_to_have_attribute("tabindex", "0")
    expect(zone).to_have_attribute("role", "presentation")
    in_zone = "el => el === document.activeElement || el.contains(document.activeElement)"
    for _ in range(12):
        page.keyboard.press("Tab")
        assert not zone.evaluate(in_zone), "Tab reached the dropzone"
    # Blur first: the zone cannot take focus, and Enter must not follow a link Tab left focused.
    zone.evaluate("el => { document.activeElement?.blur(); el.focus(); }")
    for key in ("Enter", " "):
        try:
            with page.expect_file_chooser(timeout=1500):
                page.keyboard.press(key)
        except Error as exc:
            assert "Timeout" in str(exc)
        else:
            raise AssertionError(f"{key!r} opened the file chooser on /restricted")
    # A click still does.
    with page.expect_file_chooser(timeout=5000):
        zone.click()


def test_restricted_refuses_sixth_file_and_wrong_type(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    six = []
    for i in range(6):
        path = tmp_path / f"six-{i}.png"
        path.write_bytes(samples.image_bytes("PNG", seed=4000 + i))
        six.append(path)
    open_page(page, frontend_url, "/restricted")
    choose_files(page, six)
    rejections = page.locator(".upload-files")
    expect(rejections).to_contain_text("six-5.png")
    expect(rejections).to_contain_text("too many files: at most 5 at a time")
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()

    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x03\x04" + bytes(100))
    choose_files(page, [archive])
    expect(rejections).to_contain_text("bundle.zip")
    expect(rejections).to_contain_text("not an accepted type (PDF, PNG, JPEG, GIF, WebP or HTML)")


def test_restricted_upload_lists_types(page: Page, frontend_url: str, tmp_path: Path) -> None:
    files = {
        "report.pdf": samples.pdf_bytes("restricted"),
        "page.html": samples.html_bytes("restricted"),
        "picture.png": samples.image_bytes("PNG", seed=4101),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    open_page(page, frontend_url, "/restricted")
    choose_files(page, paths)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 3 stored, 0 rejected")
    rows = page.locator(".upload-files")
    for name in files:
        expect(rows).to_contain_text(name)
    # Newest first: this upload's rows lead the page's list (other tests store similar names).
    stored = page.locator(".file-row")
    expect(stored.filter(has_text="report.pdf").first).to_contain_text("application/pdf")
    expect(stored.filter(has_text="page.html").first).to_contain_text("text/html")
    expect(stored.filter(has_text="picture.png").first.get_by_role("img")).to_be_visible()


# --- /one-step --------------------------------------------------------------


def test_one_step_drop_alone_stores(page: Page, frontend_url: str) -> None:
    open_page(page, frontend_url, "/one-step")
    expect(page.get_by_role("button", name="Upload", exact=True)).to_have_count(0)
    drop_files(page, [("dropped-once.pdf", samples.pdf_bytes("one-step"), "application/pdf")])
    expect_status(page, "Done: 1 stored, 0 rejected")
    expect(page.locator(".upload-files")).to_contain_text("dropped-once.pdf")
    assert len(rows_named("dropped-once.pdf")) == 1


def test_one_step_select_alone_stores(page: Page, frontend_url: str, tmp_path: Path) -> None:
    path = tmp_path / "chosen-once.png"
    path.write_bytes(samples.image_bytes("PNG", seed=5001))
    open_page(page, frontend_url, "/one-step")
    choose_files(page, [path])
    expect_status(page, "Done: 1 stored")
    expect(page.locator(".upload-files")).to_contain_text("chosen-once.png")
    page.reload()
    open_page(page, frontend_url, "/one-step")
    expect(page.locator(".upload-files")).to_contain_text("chosen-once.png")


# --- / ----------------------------------------------------------------------


def test_home_cards_and_totals(page: Page, frontend_url: str) -> None:
    count, size = records.totals()
    page.goto(f"{frontend_url}/")
    noun = "file" if count == 1 else "files"
    expect(page.locator(".totals")).to_have_text(f"{count} {noun} · {human_bytes(size)} stored")
    for title, route in [
        ("Multiple images", "/images"),
        ("Single video", "/video"),
        ("Restricted", "/restricted"),
        ("One-step", "/one-step"),
    ]:
        card = page.get_by_role("main").get_by_role("link", name=title)
        expect(card).to_have_attribute("href", route)
    page.get_by_role("main").get_by_role("link", name="One-step").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One-step upload")
