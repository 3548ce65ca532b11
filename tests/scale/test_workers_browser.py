"""A tab whose websocket lives on one worker and whose uploads are answered by another.

The page comes from the session's app on two workers, so its websocket is held by
one of them; Playwright sends every upload request of the tab to worker B instead
(a separate process on its own port, sharing Redis, the database and the upload
dir). Each half of the upload protocol then runs in a different process:
``begin_upload``, the watcher and Cancel where the websocket is, the upload handler
and the guard's refusal on B. What must hold:

- the guard's 413 on B reaches the tab as its reason (an event B enqueues for the
  token, delivered through Reflex's Redis "lost and found" to the socket's worker);
- an upload B stores stays *Done*: the watcher on the other worker reads B's result;
- attempt numbers: a request of an attempt B never saw begin (it began on the other
  worker) is stale there, and stores nothing;
- Cancel on the websocket's worker stops B's handler from keeping anything, even when
  the whole body reaches B;
- B's refusal still reaches the tab once its socket has moved to a new worker.

A first test shows the tabs of the suites really meet both workers of the app.
"""

from __future__ import annotations

import json
import os
import pickle
import random
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Page, Route, expect
from reflex.utils.token_manager import RedisTokenManager

from tests import samples
from tests.db import rows_named, tag
from tests.e2e.actions import (
    cancel_throttled_upload,
    cancel_too_late_to_abort,
    choose_files,
    expect_status,
    open_page,
    stored_files,
)
from tests.workers import Pair, TwoWorkerApp
from upload_demo.guard import ATTEMPT_HEADER
from upload_demo.pages.images import ImagesState
from upload_demo.pages.one_step import OneStepState
from upload_demo.reflex_internals import handler_name
from upload_demo.upload_state import FAILED_REQUEST, WATCH_INTERVAL_S


class Rerouted:
    """The tab's upload requests, sent to worker B (or failed on the way, if told)."""

    def __init__(self, page: Page, url: str) -> None:
        self.url = url
        self.sent: list[str] = []
        self.fail_next = False
        page.route("**/_upload", self._handle)

    def _handle(self, route: Route) -> None:
        if self.fail_next:
            self.fail_next = False
            route.abort("connectionreset")
            return
        self.sent.append(route.request.url)
        route.continue_(url=f"{self.url}/_upload")


@pytest.fixture
def to_b(page: Page, workers: Pair) -> Rerouted:
    """The tab's upload requests go to worker B from now on."""
    return Rerouted(page, workers.b.url)


def token_of(page: Page) -> str:
    """The tab's Reflex client token (kept in sessionStorage)."""
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert isinstance(token, str) and token, token
    return token


def test_tabs_on_the_app_land_on_both_of_its_workers(browser: Browser, frontend_url: str) -> None:
    """The suites meet two workers: tabs opened on the app have their sockets on both.

    Which worker holds a tab's socket is in Redis (Reflex's socket record names the
    worker's instance); the kernel hands the connections out.
    """
    store = redis.Redis.from_url(os.environ["REFLEX_REDIS_URL"])
    owners: set[str] = set()
    contexts = []
    try:
        while len(owners) < 2 and len(contexts) < 16:
            contexts.append(context := browser.new_context())
            tab = context.new_page()
            open_page(tab, frontend_url, "/one-step")
            record = store.get(RedisTokenManager._token_socket_record_prefix + token_of(tab))
            assert isinstance(record, bytes), "no socket record for the tab in Redis"
            owners.add(pickle.loads(record).instance_id)
    finally:
        for context in contexts:
            context.close()
        store.close()
    assert len(owners) == 2, f"{len(contexts)} tabs, all on one worker"


def test_a_refusal_on_b_is_shown_in_the_tab_on_the_other_worker(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path, to_b: Rerouted
) -> None:
    """Six files the dropzone accepts, over the page's total together: B answers 413."""
    paths = over_the_total(tmp_path / "files", OneStepState.policy.max_file_size - 500_000)
    before = stored_files(upload_dir)

    open_page(page, frontend_url, "/one-step")
    choose_files(page, paths)

    expect_status(
        page, "Failed: the upload is 57 MB, more than this page's 50 MB total; nothing was stored."
    )
    assert len(to_b.sent) == 1
    # The reason holds: the watcher's generic failure never replaces it.
    page.wait_for_timeout(2 * WATCH_INTERVAL_S * 1000 + 500)
    expect(page.locator(".upload-status")).to_contain_text("more than this page's 50 MB total")
    assert stored_files(upload_dir) == before
    assert rows_named(*(path.name for path in paths)) == []


def test_attempts_and_the_watcher_follow_the_upload_across_workers(
    page: Page, frontend_url: str, tmp_path: Path, to_b: Rerouted, workers: Pair
) -> None:
    """Stored by B and *Done*; a request that dies *Failed*; a stale request stores nothing."""
    t = tag()
    first = tmp_path / f"{t}-first.png"
    first.write_bytes(samples.noisy_png(200_000, seed=random.getrandbits(32)))
    open_page(page, frontend_url, "/images")
    choose_files(page, [first])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected.")
    assert len(to_b.sent) == 1 and len(rows_named(first.name)) == 1
    # The watcher runs where the websocket is, and reads B's result from Redis.
    page.wait_for_timeout(2 * WATCH_INTERVAL_S * 1000 + 500)
    expect_status(page, "Done: 1 stored, 0 rejected.")

    # Attempt 2 begins on the websocket's worker; its request dies before reaching B.
    second = tmp_path / f"{t}-second.png"
    second.write_bytes(samples.noisy_png(200_000, seed=random.getrandbits(32)))
    to_b.fail_next = True
    choose_files(page, [second])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, f"Failed: {FAILED_REQUEST}.")

    # A request of attempt 1 for this tab, now: B must know attempt 2 began elsewhere.
    late = f"{t}-late.png"
    answer = httpx.post(
        f"{workers.b.url}/_upload",
        headers={
            "Reflex-Client-Token": token_of(page),
            "Reflex-Event-Handler": handler_name(ImagesState.handle_upload),
            ATTEMPT_HEADER: "1",
        },
        data={"__reflex_event_args": json.dumps({"attempt": 1})},
        files=[("files", (late, samples.noisy_png(50_000, seed=1), "image/png"))],
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:300]
    assert rows_named(late) == []
    assert rows_named(second.name) == []
    expect_status(page, f"Failed: {FAILED_REQUEST}.")


#: A file of a few MB each page takes, so a 128 KiB/s upload lasts 20 s or more.
PAYLOADS: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "/images": (".png", lambda seed: samples.noisy_png(3_000_000, seed=seed)),
    "/large": (".pdf", lambda seed: b"%PDF-1.7\n" + random.Random(seed).randbytes(4_000_000)),
}


@pytest.mark.parametrize(
    ("route", "cancel"),
    [
        ("/images", cancel_throttled_upload),
        ("/images", cancel_too_late_to_abort),
        ("/large", cancel_too_late_to_abort),
    ],
    ids=["images-aborted", "images-too-late", "large-too-late"],
)
def test_cancel_on_one_worker_stops_the_upload_on_the_other(
    page: Page,
    frontend_url: str,
    upload_dir: Path,
    tmp_path: Path,
    to_b: Rerouted,
    route: str,
    cancel: Callable[..., None],
) -> None:
    """Cancel is handled where the websocket is; B's handler must keep nothing.

    Too late to abort, the whole body reaches B, whose handler sees the Cancel in the
    state it reads from Redis (the buffered one on entry, /large's before each file).
    """
    extension, make = PAYLOADS[route]
    path = tmp_path / f"cancelled-{tag()}{extension}"
    path.write_bytes(make(random.getrandbits(32)))
    open_page(page, frontend_url, route)
    cancel(page, upload_dir, path)
    assert len(to_b.sent) == 1


def test_a_refusal_reaches_the_tab_after_its_socket_moved_to_a_new_worker(
    page: Page, frontend_url: str, tmp_path: Path, to_b: Rerouted, two_worker_app: TwoWorkerApp
) -> None:
    """B delivers a refusal; the tab leaves, the app's workers restart, the tab comes back.

    B looked up which worker held the tab's socket to deliver the first refusal, and
    Reflex caches that answer. The tab's socket closed cleanly (its record in Redis
    deleted), so back on the page it keeps its token, and a worker that did not exist
    before holds its socket. The second refusal must reach it, not the process gone;
    had it been lost, the page would say *Uploading…* for ever (the watcher reads the
    refusal from the state and stops).
    """
    open_page(page, frontend_url, "/one-step")
    token = token_of(page)
    choose_files(page, over_the_total(tmp_path / "first", 9_500_000))
    expect_status(page, "Failed: the upload is 57 MB, more than this page's 50 MB total")

    page.goto("about:blank")
    two_worker_app.restart()
    open_page(page, frontend_url, "/one-step")
    assert token_of(page) == token, "the tab should come back with its token"
    # Another size, so the first refusal's text (kept in the tab's state) cannot pass for it.
    choose_files(page, over_the_total(tmp_path / "second", 9_000_000))
    expect_status(page, "Failed: the upload is 54 MB, more than this page's 50 MB total")
    assert len(to_b.sent) == 2


def over_the_total(directory: Path, each: int) -> list[Path]:
    """Six files of ``each`` bytes, under /one-step's per-file limit, over its total together."""
    assert each <= OneStepState.policy.max_file_size < 6 * each
    directory.mkdir()
    paths = [directory / f"over-total-{i}.png" for i in range(6)]
    for path in paths:
        path.write_bytes(bytes(each))
    return paths
