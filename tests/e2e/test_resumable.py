"""/resumable in Chromium: a cut network, Pause/Resume, a reload, Cancel; the server checked.

The network is cut with Chrome's own emulation (offline), so tus-js-client sees
what it sees when a cable is pulled. What the page says is checked against the
server: the upload's row (its confirmed offset), the PATCH requests' offsets,
and the stored file's SHA-256.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from pathlib import Path

import reflex as rx
import sqlmodel
from playwright.sync_api import CDPSession, Locator, Page, Request, expect

from tests.db import tag
from tests.e2e.actions import choose_files, throttle_uploads
from upload_demo import resumable
from upload_demo.models import ResumableUpload, StoredFile

MiB = 1024 * 1024


def pdf_file(tmp_path: Path, size: int, stem: str) -> Path:
    path = tmp_path / f"{stem}-{tag()}.pdf"
    data = random.Random(size).randbytes(size)
    path.write_bytes(b"%PDF-1.7\n" + data[9:])
    return path


def open_resumable(page: Page, frontend_url: str) -> None:
    page.goto(f"{frontend_url}/resumable")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")


def upload_row(name: str) -> ResumableUpload | None:
    with rx.session() as session:
        query = sqlmodel.select(ResumableUpload).where(ResumableUpload.original_name == name)
        return session.exec(query).first()


def confirmed(name: str) -> int:
    row = upload_row(name)
    return row.received if row is not None else 0


def wait_confirmed(name: str, at_least: int, timeout: float = 60) -> int:
    """Until the server has confirmed ``at_least`` bytes of the file."""
    deadline = time.monotonic() + timeout
    while (received := confirmed(name)) < at_least:
        assert time.monotonic() < deadline, f"the server has only {received} bytes of {name}"
        time.sleep(0.1)
    return received


def settled(name: str, quiet_s: float = 1.0, timeout: float = 15) -> int:
    """The confirmed offset once it has not moved for ``quiet_s``.

    The server confirms what arrived when the request ends, a moment after the
    browser stopped sending.
    """
    deadline = time.monotonic() + timeout
    last, since = confirmed(name), time.monotonic()
    while time.monotonic() - since < quiet_s:
        assert time.monotonic() < deadline, f"{name}: the confirmed offset never settled"
        time.sleep(0.1)
        now = confirmed(name)
        if now != last:
            last, since = now, time.monotonic()
    return last


def stored_sha(name: str) -> str | None:
    with rx.session() as session:
        row = session.exec(
            sqlmodel.select(StoredFile).where(StoredFile.original_name == name)
        ).first()
        return row.sha256 if row is not None else None


def patch_offsets(page: Page) -> list[int]:
    """Every PATCH the page sends, by its Upload-Offset (filled as they go)."""
    offsets: list[int] = []

    def seen(request: Request) -> None:
        if request.method == "PATCH" and "/tus/" in request.url:
            offsets.append(int(request.headers.get("upload-offset", "-1")))

    page.on("request", seen)
    return offsets


def file_row(page: Page, name: str) -> Locator:
    return page.locator(".resumable-file").filter(has_text=name)


def expect_stored(page: Page, path: Path, upload_dir: Path) -> None:
    """The page says stored, once, and the stored bytes are the file's."""
    expect(file_row(page, path.name).locator(".file-status")).to_have_text("stored", timeout=90_000)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert stored_sha(path.name) == digest
    with rx.session() as session:
        rows = session.exec(sqlmodel.select(StoredFile).where(StoredFile.sha256 == digest)).all()
    assert len(rows) == 1
    assert (upload_dir / rows[0].stored_name).read_bytes() == path.read_bytes()
    row = upload_row(path.name)
    assert row is not None and row.finished
    assert not resumable.partial_path(upload_dir, row.id).exists()


def go_offline(cdp: CDPSession, offline: bool) -> None:
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def start(page: Page, path: Path) -> None:
    choose_files(page, [path])
    page.get_by_role("button", name="Upload", exact=True).click()


def test_a_cut_network_resumes_from_the_confirmed_offset(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    path = pdf_file(tmp_path, 50 * MiB, "cut")
    open_resumable(page, frontend_url)
    offsets = patch_offsets(page)
    cdp = throttle_uploads(page, 4 * MiB)
    start(page, path)
    before_cut = wait_confirmed(path.name, 10 * MiB)
    go_offline(cdp, True)
    # Drawn in the browser: offline, the page's websocket is cut off from its State too.
    expect(page.locator(".resumable-connection")).to_contain_text(
        re.compile(rf"{re.escape(path.name)}: connection lost, retrying in \d+ s")
    )
    at_cut = confirmed(path.name)
    assert at_cut >= before_cut
    time.sleep(1)
    go_offline(cdp, False)
    expect(page.locator(".resumable-connection")).to_have_count(0, timeout=30_000)
    expect_stored(page, path, upload_dir)
    assert offsets[0] == 0
    resumed = [o for o in offsets[1:] if o > 0]
    # The first PATCH after the cut starts where the server had confirmed, not at 0.
    assert resumed and resumed[0] >= at_cut, offsets
    assert 0 not in offsets[1:], offsets


def test_pause_then_resume(page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path) -> None:
    path = pdf_file(tmp_path, 8 * MiB, "paused")
    open_resumable(page, frontend_url)
    offsets = patch_offsets(page)
    throttle_uploads(page, 1 * MiB)
    start(page, path)
    wait_confirmed(path.name, 2 * MiB)
    row = file_row(page, path.name)
    row.get_by_role("button", name=f"Pause {path.name}", exact=True).click()
    expect(row.locator(".file-text")).to_contain_text("paused at")
    paused_at = settled(path.name)
    time.sleep(1.5)
    assert confirmed(path.name) == paused_at, "bytes still arrive while paused"
    row.get_by_role("button", name=f"Resume {path.name}", exact=True).click()
    expect_stored(page, path, upload_dir)
    assert offsets[-1] >= paused_at > 0


def test_a_reload_mid_upload_resumes_when_the_file_is_chosen_again(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    path = pdf_file(tmp_path, 12 * MiB, "reloaded")
    open_resumable(page, frontend_url)
    throttle_uploads(page, 1 * MiB)
    start(page, path)
    wait_confirmed(path.name, 3 * MiB)
    page.reload()
    expect(page.locator(".unfinished-uploads")).to_contain_text(path.name)
    at_reload = confirmed(path.name)
    offsets = patch_offsets(page)
    start(page, path)
    expect(file_row(page, path.name).locator(".file-text")).to_contain_text(
        re.compile(r"resum(ing|ed) at \d+%")
    )
    expect_stored(page, path, upload_dir)
    assert offsets and offsets[0] >= at_reload > 0, offsets


def test_cancel_removes_the_partial_data_at_once(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    path = pdf_file(tmp_path, 8 * MiB, "cancelled")
    open_resumable(page, frontend_url)
    throttle_uploads(page, 1 * MiB)
    start(page, path)
    wait_confirmed(path.name, MiB)
    row = upload_row(path.name)
    assert row is not None
    partial = resumable.partial_path(upload_dir, row.id)
    assert partial.exists()
    file_row(page, path.name).get_by_role("button", name=f"Cancel {path.name}", exact=True).click()
    expect(file_row(page, path.name).locator(".file-status")).to_have_text("cancelled")
    deadline = time.monotonic() + 10
    while upload_row(path.name) is not None or partial.exists():
        assert time.monotonic() < deadline, "the partial upload is still on the server"
        time.sleep(0.1)
    assert stored_sha(path.name) is None


def test_refused_content_says_why(page: Page, frontend_url: str, tmp_path: Path) -> None:
    path = tmp_path / f"page-{tag()}.pdf"
    path.write_bytes(b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    open_resumable(page, frontend_url)
    start(page, path)
    expect(file_row(page, path.name).locator(".file-text")).to_contain_text(
        "refused: the content is HTML"
    )
    assert upload_row(path.name) is None
