"""Previews in a real browser.

The gallery loads thumbnails, the player shows its poster, and a repeated
upload links to the file already stored.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import samples
from tests.db import rows_named
from tests.e2e.actions import SIGNED, choose_files, expect_status, open_page

PREVIEW_URL = r"/_upload/[0-9a-f]{32}\.%s" + SIGNED


def _natural_width(page: Page, selector: str) -> int:
    """Wait until the <img> at ``selector`` has decoded, then give its natural width."""
    page.wait_for_function(
        "s => { const i = document.querySelector(s);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )
    return page.evaluate("s => document.querySelector(s).naturalWidth", selector)


def test_gallery_loads_the_thumbnail_not_the_original(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    photo = tmp_path / "big-photo.jpg"
    photo.write_bytes(samples.photo_jpeg((1600, 1200), seed=4001))
    open_page(page, frontend_url, "/images")
    choose_files(page, [photo])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected")

    tile = page.locator(".gallery-item", has_text="big-photo.jpg")
    image = tile.get_by_role("img", name="big-photo.jpg")
    expect(image).to_have_attribute("src", re.compile(PREVIEW_URL % r"thumb\.webp"))
    assert _natural_width(page, ".gallery-item img[alt='big-photo.jpg']") == 320
    (row,) = rows_named("big-photo.jpg")
    assert re.search(rf"/_upload/{row.preview_name}{SIGNED}", image.get_attribute("src") or "")

    # The details dialog shows the original at full size.
    tile.click()
    full = page.get_by_role("dialog").get_by_role("img", name="big-photo.jpg")
    expect(full).to_have_attribute("src", re.compile(r"/_upload/[0-9a-f]{32}\.jpg" + SIGNED))
    assert _natural_width(page, "[role=dialog] img[alt='big-photo.jpg']") == 1600


def test_player_shows_the_poster_frame(page: Page, frontend_url: str, tmp_path: Path) -> None:
    clip = tmp_path / "poster-clip.mp4"
    clip.write_bytes(samples.video_bytes("mp4", frames=30, size=(160, 120), seed=4101))
    open_page(page, frontend_url, "/video")
    choose_files(page, [clip])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected")

    player = page.locator("video#player")
    expect(player).to_have_attribute("poster", re.compile(PREVIEW_URL % r"poster\.jpg"))
    (row,) = rows_named("poster-clip.mp4")
    assert re.search(rf"/_upload/{row.preview_name}{SIGNED}", player.get_attribute("poster") or "")
    # The poster the player names really decodes as a picture of the clip's size.
    width = page.evaluate(
        """src => new Promise((ok, fail) => {
            const i = new Image();
            i.onload = () => ok(i.naturalWidth);
            i.onerror = () => fail(new Error('poster did not load'));
            i.src = src;
        })""",
        player.get_attribute("poster"),
    )
    assert width == 160


def test_repeated_upload_links_to_the_stored_file(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    data = samples.image_bytes("PNG", seed=4201)
    first, again = tmp_path / "original.png", tmp_path / "same-again.png"
    first.write_bytes(data)
    again.write_bytes(data)
    open_page(page, frontend_url, "/images")
    choose_files(page, [first, again])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 1 already stored, 0 rejected")

    repeat = page.locator(".file-repeat", has_text="same-again.png")
    expect(repeat).to_contain_text("already stored as original.png (from /images)")
    (row,) = rows_named("original.png")
    link = repeat.get_by_role("link", name="open the stored file")
    # An outcome's link is not signed: it opens with the session (or in the open app).
    expect(link).to_have_attribute("href", re.compile(rf"/_upload/{row.stored_name}$"))
    assert rows_named("same-again.png") == []
