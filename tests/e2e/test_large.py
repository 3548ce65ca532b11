"""/large in a real browser: a streamed upload to Done, any file but active content."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import long_tail, samples
from tests.db import rows_named
from tests.e2e.actions import (
    choose,
    choose_files,
    expect_status,
    open_library,
    open_page,
    rows,
    search,
)

MB = 1_000_000


def pdf_file(path: Path, size: int, seed: int) -> Path:
    """A PDF-headed file of ``size`` random bytes (the type is judged by the first bytes)."""
    path.write_bytes(b"%PDF-1.7\n" + random.Random(seed).randbytes(size - 9))
    return path


def test_a_streamed_upload_reaches_done_and_is_stored(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "streamed-photo.png"
    photo.write_bytes(samples.image_bytes("PNG", size=(64, 48), seed=5001))
    document = pdf_file(tmp_path / "streamed-doc.pdf", 6 * MB, 5002)
    open_page(page, frontend_url, "/large")
    expect(page.locator(".limits")).to_contain_text("8 GB each")
    choose_files(page, [document, photo])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 2 stored, 0 rejected")
    expect(page.locator(".progress-text")).to_contain_text("100%")
    (doc_row,) = rows_named("streamed-doc.pdf")
    assert doc_row.source_page == "large"
    assert (upload_dir / doc_row.stored_name).read_bytes() == document.read_bytes()
    (photo_row,) = rows_named("streamed-photo.png")
    # Images streamed here get their thumbnail as on /images.
    assert photo_row.preview_name and (upload_dir / photo_row.preview_name).is_file()
    assert not any(n.startswith(".partial-") for n in os.listdir(upload_dir))
    expect(page.get_by_text("streamed-doc.pdf").first).to_be_visible()
    # The background handler's last step (resend_result) ran without an error toast.
    expect(page.locator(".file-stored")).to_have_count(2)
    expect(page.get_by_text("An error occurred")).to_have_count(0)


def test_the_long_tail_is_stored_and_listed_and_svg_refused(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    t = uuid.uuid4().hex[:8]
    archive = tmp_path / f"{t}-backup.zip"
    archive.write_bytes(long_tail.zip_bytes())
    song = tmp_path / f"{t}-song.mp3"
    song.write_bytes(long_tail.mp3_bytes())
    drawing = tmp_path / f"{t}-drawing.svg"
    drawing.write_bytes(long_tail.svg_bytes())
    open_page(page, frontend_url, "/large")
    expect(page.locator(".limits")).to_contain_text("Any file except HTML, SVG, XML or JavaScript")
    # The browser filters nothing: the server refuses the SVG by its content.
    choose_files(page, [archive, song, drawing])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 2 stored, 1 rejected")
    expect(page.locator(".upload-files")).to_contain_text(
        "the content is SVG: this page takes any file except HTML, SVG, XML or JavaScript"
    )
    assert rows_named(drawing.name) == []
    (zip_row,) = rows_named(archive.name)
    assert (zip_row.kind, zip_row.content_type) == ("archive", "application/zip")

    open_library(page, frontend_url)
    search(page, t)
    expect(rows(page)).to_have_count(2)
    expect(rows(page).filter(has_text=archive.name)).to_contain_text("application/zip")
    choose(page, "Kind", "audio")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(song.name)
    expect(rows(page).first).to_contain_text("audio/mpeg")
