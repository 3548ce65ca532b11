"""What a person does on an upload page, as Playwright steps."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import CDPSession, Locator, Page, Request, expect

from tests.db import rows_named
from upload_demo.storage import TEMP_PREFIX

#: The end of a stored file's URL as the pages write it: a signed one (signing.py).
SIGNED = r"\?exp=\d+&sig=[0-9a-f]{64}$"


def open_page(page: Page, frontend_url: str, route: str) -> None:
    """Load a page and wait until it is connected to the backend."""
    page.goto(f"{frontend_url}{route}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The panel says "Connecting…" until the page is hydrated from the backend.
    expect(page.locator(".progress-text")).not_to_contain_text("Connecting")


def focus_dropzone(page: Page) -> None:
    """Give the dropzone keyboard focus (as Tab would), and make sure it has it."""
    zone = page.locator(".dropzone")
    page.wait_for_load_state("networkidle")
    zone.focus()
    expect(zone).to_be_focused()


def choose_files(page: Page, paths: list[Path]) -> None:
    """Click path: what the file chooser would hand to the dropzone's input."""
    page.locator(".dropzone input[type=file]").set_input_files([str(p) for p in paths])


def drop_files(page: Page, files: list[tuple[str, bytes, str]]) -> None:
    """Real drag and drop: a DataTransfer of File objects, dragged over and dropped."""
    payload = [
        {"name": name, "type": mime, "b64": base64.b64encode(data).decode()}
        for name, data, mime in files
    ]
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bin = atob(f.b64);
                const bytes = new Uint8Array(bin.length);
                for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                dt.items.add(new File([bytes], f.name, { type: f.type }));
            }
            return dt;
        }""",
        payload,
    )
    zone = page.locator(".dropzone")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def throttle_uploads(page: Page, bytes_per_second: int) -> CDPSession:
    """Slow the browser's uploads (Chrome DevTools network emulation); -1 lifts the limit.

    Returns the DevTools session: call ``set_upload_speed`` on it to change the limit.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    set_upload_speed(cdp, bytes_per_second)
    return cdp


def set_upload_speed(cdp: CDPSession, bytes_per_second: int) -> None:
    """Change the upload limit of a session made by ``throttle_uploads``."""
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def is_upload_request(request: Request) -> bool:
    """The request that carries an upload's files to Reflex's ``/_upload``."""
    return request.method == "POST" and urlparse(request.url).path.endswith("/_upload")


def _start_throttled_upload(page: Page, path: Path, *, press_upload: bool) -> CDPSession:
    """Choose ``path`` and let it crawl at 128 KiB/s until it has visibly started."""
    cdp = throttle_uploads(page, 128 * 1024)
    choose_files(page, [path])
    if press_upload:
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    expect(page.locator(".progress-text")).to_contain_text(re.compile(r"[1-9]\d*% · .* left"))
    return cdp


def cancel_throttled_upload(
    page: Page, upload_dir: Path, path: Path, *, press_upload: bool = True
) -> None:
    """Cancel a slowed-down upload of ``path`` mid-way: the request is aborted, nothing kept.

    After the Cancel the throttle is lifted, so a request that was still open would
    deliver the rest of its body at once; nothing may be stored even then.
    """
    before = stored_files(upload_dir)
    cdp = _start_throttled_upload(page, path, press_upload=press_upload)
    cancel = page.get_by_role("button", name="Cancel", exact=True)
    with page.expect_event("requestfailed", predicate=is_upload_request, timeout=10_000) as aborted:
        cancel.click()
    assert aborted.value.failure, "the upload request was not aborted"
    expect_status(page, "Cancelled: nothing was stored")
    expect(page.locator(".progress-text")).to_contain_text(
        re.compile(r"^Cancelled at \d+% · .+ of .+$")
    )
    expect(cancel).to_be_disabled()
    set_upload_speed(cdp, -1)
    # Unthrottled, a 3 MB body arrives in milliseconds: give a handler that got it
    # two watcher intervals to store something, then look.
    page.wait_for_timeout(2000)
    assert rows_named(path.name) == []
    assert stored_files(upload_dir) == before


def cancel_too_late_to_abort(
    page: Page, upload_dir: Path, path: Path, *, press_upload: bool = True
) -> None:
    """A Cancel that cannot stop the request (its bytes all arrive): still nothing stored.

    The browser's abort is disabled, as if Cancel came once the body was sent:
    the handler runs to its end, and must see the cancelled upload and keep nothing.
    """
    before = stored_files(upload_dir)
    cdp = _start_throttled_upload(page, path, press_upload=press_upload)
    page.evaluate("AbortController.prototype.abort = function () {}")
    with page.expect_event("requestfinished", predicate=is_upload_request) as finished:
        page.get_by_role("button", name="Cancel", exact=True).click()
        expect_status(page, "Cancelled: nothing was stored")
        set_upload_speed(cdp, -1)
    response = finished.value.response()
    assert response is not None and response.ok, "the server did not take the whole body"
    # A streaming handler may still be at its last file when the response is in.
    for _ in range(100):
        if not any(name.startswith(TEMP_PREFIX) for name in stored_files(upload_dir)):
            break
        page.wait_for_timeout(100)
    expect_status(page, "Cancelled: nothing was stored")
    assert rows_named(path.name) == []
    assert stored_files(upload_dir) == before


def expect_status(page: Page, text: str) -> None:
    """The progress panel's final state badge."""
    expect(page.locator(".upload-status")).to_contain_text(text, timeout=30_000)


def stored_files(upload_dir: Path) -> set[str]:
    """Everything in the upload dir, temp files included."""
    return {p.name for p in upload_dir.iterdir()} if upload_dir.exists() else set()


# --- /library ---------------------------------------------------------------------


def open_library(page: Page, frontend_url: str, query: str = "") -> None:
    """Load /library (with a query string) and wait for the rows from the database."""
    page.goto(f"{frontend_url}/library{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")
    expect(page.locator(".library-list, .library-empty")).to_be_visible()


def rows(page: Page) -> Locator:
    return page.locator(".library-row")


def row_names(page: Page) -> list[str]:
    return [n.strip() for n in page.locator(".library-name").all_inner_texts()]


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Radix select labelled ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def search(page: Page, text: str) -> None:
    page.get_by_role("searchbox", name="Search by name").fill(text)
