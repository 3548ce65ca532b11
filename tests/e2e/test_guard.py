"""An upload over its page's total, from a real browser: refused early, reason shown."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.db import rows_named
from tests.e2e.actions import choose_files, expect_status, open_page, stored_files
from upload_demo.pages.one_step import OneStepState
from upload_demo.upload_state import WATCH_INTERVAL_S


def test_upload_over_the_total_fails_with_the_reason(
    page: Page, frontend_url: str, upload_dir: Path, tmp_path: Path
) -> None:
    """Six files the browser accepts one by one, together over the page's total.

    Each is under the per-file limit, so the dropzone sends them; the guard
    answers 413 from the declared length and the page says why.
    """
    policy = OneStepState.policy
    each = policy.max_file_size - 500_000  # 9.5 MB: passes the dropzone's max_size
    paths = []
    for i in range(6):
        path = tmp_path / f"over-total-{i}.png"
        path.write_bytes(bytes(each))
        paths.append(path)
    assert each <= policy.max_file_size and 6 * each > policy.max_total_size
    before = stored_files(upload_dir)

    open_page(page, frontend_url, "/one-step")
    choose_files(page, paths)

    expect_status(
        page, "Failed: the upload is 57 MB, more than this page's 50 MB total; nothing was stored."
    )
    expect(page.locator(".file-refused")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel", exact=True)).to_be_disabled()
    # The refusal holds: the watcher's generic "did not complete" never replaces it.
    # The watcher looks at the request once per interval; give it two looks after the
    # refusal (and a round trip to the browser and back) to do so if it would.
    page.wait_for_timeout(2 * WATCH_INTERVAL_S * 1000 + 500)
    expect(page.locator(".upload-status")).to_contain_text("more than this page's 50 MB total")
    assert stored_files(upload_dir) == before
    for path in paths:
        assert rows_named(path.name) == []
