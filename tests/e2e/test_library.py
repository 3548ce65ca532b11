"""/library in a real browser: filter, search, sort, pages, open, download, delete, restart.

Files are put in through the real ingest path (policy check, atomic storage,
record), each test under names carrying its own tag, so the search box isolates
a test's rows from everything else the session has stored.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import reflex as rx
from playwright.sync_api import Browser, Locator, Page, expect
from reflex.testing import AppHarness

from tests import samples
from tests.backend_process import BackendProcess
from tests.conftest import on_two_workers
from tests.db import rows_named, tag
from tests.e2e.actions import (
    SIGNED,
    choose,
    choose_files,
    expect_status,
    open_library,
    open_page,
    row_names,
    rows,
    search,
)
from upload_demo import policy
from upload_demo.ingest import Incoming, ingest_batch
from upload_demo.models import StoredFile
from upload_demo.policy import UploadPolicy
from upload_demo.reflex_internals import restart_harness_backend
from upload_demo.stores import LocalStore

if TYPE_CHECKING:
    from reflex.testing import AppHarness

    from tests.workers import TwoWorkerApp


def png(side: int = 12) -> bytes:
    """A real PNG of random pixels (distinct bytes every call); bigger side, bigger file."""
    return samples.noisy_png(side * side * 3, seed=random.getrandbits(64))


def webm() -> bytes:
    """A real WebM; a random frame count keeps its bytes distinct from other tests'."""
    return samples.video_bytes("webm", frames=random.randrange(12, 40), seed=random.randrange(99))


def store(upload_dir: Path, page_policy: UploadPolicy, files: list[tuple[str, bytes]]) -> None:
    """The real ingest path: policy, storage, record."""
    outcomes = ingest_batch(
        [Incoming(name, io.BytesIO(data), len(data)) for name, data in files],
        page_policy,
        LocalStore(upload_dir),
    )
    assert all(o.stored for o in outcomes), [o.message for o in outcomes]


def record(name: str) -> StoredFile:
    (row,) = rows_named(name)
    return row


def give_preview(row: StoredFile, upload_dir: Path) -> str:
    """The row's thumbnail; made here (as media processing would) if it has none yet."""
    if row.preview_name:
        return row.preview_name
    preview = f"{Path(row.stored_name).stem}.thumb.webp"
    (upload_dir / preview).write_bytes(samples.image_bytes("WEBP", size=(32, 32), seed=9))
    with rx.session() as session:
        stored = session.get(StoredFile, row.id)
        assert stored is not None
        stored.preview_name = preview
        session.add(stored)
        session.commit()
    return preview


# --- filter, search, sort, pages ---------------------------------------------------


def test_filter_search_sort_and_reload(page: Page, frontend_url: str, upload_dir: Path) -> None:
    t = tag()
    store(
        upload_dir,
        policy.IMAGES,
        [(f"{t}-small.png", png(8)), (f"{t}-Big.png", png(40)), (f"{t}-mid.png", png(20))],
    )
    store(upload_dir, policy.RESTRICTED, [(f"{t}-doc.pdf", samples.pdf_bytes(t))])
    store(upload_dir, policy.VIDEO, [(f"{t}-clip.webm", webm())])

    open_library(page, frontend_url)
    search(page, t)
    expect(rows(page)).to_have_count(5)
    expect(page).to_have_url(re.compile(rf"[?&]q={t}"))
    expect(page.locator(".library-totals")).to_contain_text("5 of ")

    choose(page, "Kind", "image")
    expect(rows(page)).to_have_count(3)
    expect(page.locator(".library-totals")).to_contain_text("3 of ")
    choose(page, "Sort", "Largest first")
    expect(page.locator(".library-name").first).to_have_text(f"{t}-Big.png")
    assert row_names(page) == [f"{t}-Big.png", f"{t}-mid.png", f"{t}-small.png"]
    choose(page, "Sort", "Name A–Z")
    expect(page.locator(".library-name").first).to_have_text(f"{t}-Big.png")
    assert row_names(page) == [f"{t}-Big.png", f"{t}-mid.png", f"{t}-small.png"]
    choose(page, "Sort", "Name Z–A")
    expect(page.locator(".library-name").first).to_have_text(f"{t}-small.png")

    # Case-insensitive substring of the name.
    search(page, f"{t}-BIG")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("image/png")

    # The query survives a reload: it lives in the URL.
    search(page, t)
    expect(rows(page)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"kind=image"))
    page.reload()
    expect(page.get_by_role("searchbox", name="Search by name")).to_have_value(t)
    expect(page.get_by_role("combobox", name="Kind")).to_contain_text("image")
    expect(page.get_by_role("combobox", name="Sort")).to_contain_text("Name Z–A")
    expect(rows(page)).to_have_count(3)
    expect(page.locator(".library-name").first).to_have_text(f"{t}-small.png")

    choose(page, "Kind", "All")
    choose(page, "Uploaded on page", "/restricted")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(f"{t}-doc.pdf")
    expect(rows(page).first).to_contain_text("from /restricted")
    choose(page, "Uploaded on page", "/video")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(f"{t}-clip.webm")

    search(page, f"{t}-nothing")
    expect(page.locator(".library-empty")).to_contain_text("No stored file matches")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_role("searchbox", name="Search by name")).to_have_value("")
    # No query left; the production build's static server adds a trailing slash.
    expect(page).to_have_url(re.compile(r"/library/?$"))


def pager(page: Page, label: str) -> Locator:
    return page.get_by_role("navigation", name="Pages").get_by_role(
        "button", name=label, exact=True
    )


def test_pages_of_24(page: Page, frontend_url: str, upload_dir: Path) -> None:
    t = tag()
    names = [f"{t}-{i:02d}.png" for i in range(26)]
    for batch in (names[:13], names[13:]):
        store(upload_dir, policy.IMAGES, [(name, png(8)) for name in batch])

    open_library(page, frontend_url, f"?q={t}&sort=name")
    expect(rows(page)).to_have_count(24)
    expect(page.locator(".library-page")).to_have_text("Page 1 of 2")
    expect(pager(page, "First")).to_be_disabled()
    expect(pager(page, "Previous")).to_be_disabled()
    assert row_names(page) == names[:24]

    pager(page, "Next").click()
    expect(rows(page)).to_have_count(2)
    expect(page.locator(".library-page")).to_have_text("Page 2 of 2")
    expect(pager(page, "Next")).to_be_disabled()
    expect(pager(page, "Last")).to_be_disabled()
    assert row_names(page) == names[24:]
    # The page's place is the cursor after the last row before it, with its number.
    expect(page).to_have_url(re.compile(r"[?&]p=2&after=\d+%3A"))

    page.reload()
    expect(page.locator(".library-page")).to_have_text("Page 2 of 2")
    assert row_names(page) == names[24:]
    pager(page, "Previous").click()
    expect(rows(page)).to_have_count(24)
    expect(page.locator(".library-page")).to_have_text("Page 1 of 2")

    pager(page, "Last").click()
    expect(page.locator(".library-page")).to_have_text("Page 2 of 2")
    expect(page).to_have_url(re.compile(r"[?&]p=last(&|$)"))
    assert row_names(page) == names[24:]
    pager(page, "First").click()
    expect(page.locator(".library-page")).to_have_text("Page 1 of 2")
    expect(page).not_to_have_url(re.compile(r"[?&](p|after|before)="))

    # A page number alone (a link from before cursors) still opens that page; a stale
    # one (bookmarked before files were deleted) shows the last page.
    open_library(page, frontend_url, f"?q={t}&sort=name&p=2")
    expect(page.locator(".library-page")).to_have_text("Page 2 of 2")
    open_library(page, frontend_url, f"?q={t}&sort=name&p=9")
    expect(page.locator(".library-page")).to_have_text("Page 2 of 2")
    expect(rows(page)).to_have_count(2)


# --- open, download, delete ----------------------------------------------------------


def test_clicking_an_image_opens_it_full_size(
    page: Page, frontend_url: str, upload_dir: Path
) -> None:
    t = tag()
    picture = samples.image_bytes("PNG", size=(640, 400), seed=random.randrange(60_000))
    store(upload_dir, policy.IMAGES, [(f"{t}-wide.png", picture)])
    store(upload_dir, policy.VIDEO, [(f"{t}-movie.webm", webm())])
    open_library(page, frontend_url, f"?q={t}")

    page.get_by_role("button", name=f"Open {t}-wide.png").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"{t}-wide.png")
    expect(dialog).to_contain_text("image/png")
    full = dialog.get_by_role("img", name=f"{t}-wide.png")
    expect(full).to_have_attribute(
        "src", re.compile(rf"/_upload/{record(f'{t}-wide.png').stored_name}" + SIGNED)
    )
    # The original, not a thumbnail: the browser decodes it at its real size.
    page.wait_for_function(
        "() => { const i = document.querySelector('[role=dialog] img');"
        " return i && i.complete && i.naturalWidth === 640 && i.naturalHeight === 400; }"
    )
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name=f"Open {t}-movie.webm").click()
    player = page.get_by_role("dialog").locator("video")
    expect(player).to_have_attribute("src", re.compile(r"/_upload/[0-9a-f]{32}\.webm" + SIGNED))
    page.wait_for_function(
        "() => { const v = document.querySelector('[role=dialog] video');"
        " return v && v.readyState >= 1 && v.duration > 0; }"
    )


@pytest.mark.parametrize("label", ["Résumé – naïve ☃ 東京", "it's 100% (final)"])
def test_download_carries_the_original_name(
    page: Page, frontend_url: str, upload_dir: Path, label: str
) -> None:
    name = f"{label} {tag()}.pdf"
    data = samples.pdf_bytes(name)
    store(upload_dir, policy.RESTRICTED, [(name, data)])
    closed: list[str] = []
    page.on("websocket", lambda ws: ws.on("close", lambda _: closed.append(ws.url)))
    open_library(page, frontend_url, f"?q={name[-12:]}")
    expect(rows(page)).to_have_count(1)

    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download {name}").click()
    download = info.value
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == data

    # The dialog offers the same download.
    page.get_by_role("button", name=f"Open {name}").click()
    with page.expect_download() as again:
        page.get_by_role("dialog").get_by_role("link", name="Download").click()
    assert again.value.suggested_filename == name
    # A download is not a page change: the tab keeps its websocket (a dropped one is
    # reopened by the next click with a full rehydrate, whose on_load wiped a notice).
    assert closed == []


def test_delete_asks_first_then_removes_file_preview_and_record(
    page: Page, frontend_url: str, upload_dir: Path
) -> None:
    t = tag()
    doomed, neighbour = f"{t}-doomed.png", f"{t}-neighbour.png"
    store(upload_dir, policy.IMAGES, [(doomed, png()), (neighbour, png())])
    row = record(doomed)
    preview = give_preview(row, upload_dir)
    open_library(page, frontend_url, f"?q={t}")
    expect(rows(page)).to_have_count(2)
    # The row shows the preview, not the original.
    thumb = page.get_by_role("button", name=f"Open {doomed}").get_by_role("img")
    expect(thumb).to_have_attribute("src", re.compile(rf"/_upload/{preview}" + SIGNED))

    page.get_by_role("button", name=f"Delete {doomed}").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(doomed)
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    # A round trip through the backend: the page's events run in order, so a delete
    # sent by Cancel would have run before this re-query, which reads the database.
    choose(page, "Sort", "Name A–Z")
    expect(page).to_have_url(re.compile(r"[?&]sort=name(&|$)"))
    expect(page.locator(".library-name").first).to_have_text(doomed)
    assert row_names(page) == [doomed, neighbour]
    assert len(rows_named(doomed)) == 1
    assert (upload_dir / row.stored_name).is_file()
    assert (upload_dir / preview).is_file()

    page.get_by_role("button", name=f"Delete {doomed}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".library-notice")).to_contain_text(f"Deleted “{doomed}”")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(neighbour)
    assert rows_named(doomed) == []
    assert not (upload_dir / row.stored_name).exists()
    assert not (upload_dir / preview).exists()
    assert (upload_dir / record(neighbour).stored_name).is_file()


# --- a server restart keeps everything ----------------------------------------------


@pytest.fixture
def restart_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A function that restarts the backend: whatever serves the session stops, then starts.

    The fresh processes start with nothing in memory, as after a real restart:
    whatever the pages show afterwards came from the database and the upload dir.
    On two workers (``make test-scale``) both stop and the app starts again on its
    port. Otherwise the session's in-process backend stops and a backend process
    takes over its port; when the test ends, that process stops and the session's
    own backend starts again (with an empty state manager, as a restarted server
    has) for the tests that follow. Only one backend listens at a time. The dev
    frontend keeps serving the pages it built and reconnects to whatever listens.
    """
    if on_two_workers():
        app: TwoWorkerApp = request.getfixturevalue("two_worker_app")
        yield app.restart
        return
    harness: AppHarness = request.getfixturevalue("app_harness")
    backend, backend_thread, app_instance = (
        harness.backend,
        harness.backend_thread,
        harness.app_instance,
    )
    assert backend is not None and backend_thread is not None, "not started"
    assert app_instance is not None, "not started"
    started: list[BackendProcess] = []
    port = backend.servers[0].sockets[0].getsockname()[1]

    def restart() -> None:
        backend.should_exit = True
        backend_thread.join(timeout=30)
        assert not backend_thread.is_alive(), "the session backend did not stop"
        process = BackendProcess(tmp_path / f"backend-{len(started) + 1}.log", port=port)
        started.append(process)
        process.wait_ready(timeout=60)

    yield restart

    for process in started:
        process.stop()
    if started:
        restart_harness_backend(harness, port)


def test_a_server_restart_keeps_everything(
    page: Page,
    browser: Browser,
    frontend_url: str,
    backend_url: str,
    upload_dir: Path,
    tmp_path: Path,
    restart_backend: Callable[[], None],
) -> None:
    t = tag()
    path = tmp_path / f"{t}-survivor.png"
    data = png(30)
    path.write_bytes(data)
    open_page(page, frontend_url, "/images")
    choose_files(page, [path])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored")
    row = record(path.name)
    page.context.close()

    restart_backend()

    fresh = browser.new_context().new_page()
    open_library(fresh, frontend_url, f"?q={t}")
    expect(rows(fresh)).to_have_count(1)
    expect(rows(fresh).first).to_contain_text(path.name)
    expect(rows(fresh).first).to_contain_text(row.sha256[:12])
    fresh.wait_for_function(
        "() => [...document.querySelectorAll('.library-row img')]"
        ".some(i => i.complete && i.naturalWidth > 0)"
    )
    open_page(fresh, frontend_url, "/images")
    fresh.wait_for_function(
        "name => [...document.querySelectorAll('.gallery img')]"
        ".some(i => i.alt === name && i.complete && i.naturalWidth > 0)",
        arg=path.name,
    )
    # The new process serves the bytes, both ways.
    assert httpx.get(f"{backend_url}/_upload/{row.stored_name}", timeout=30).content == data
    download = httpx.get(f"{backend_url}/download/{row.id}", timeout=30)
    assert download.content == data
    assert path.name in download.headers["content-disposition"]
    fresh.context.close()
