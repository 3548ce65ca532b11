"""The shared panel's file list in Chromium: per-file states, remove, previews, paste, folders.

Each test drives a real page of the running app; the files are made per test
with unique bytes, so stored copies never collide with other tests' files.
"""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import samples
from tests.db import rows_named
from tests.e2e.actions import (
    choose_files,
    expect_status,
    is_upload_request,
    open_page,
    throttle_uploads,
)
from upload_demo import policy
from upload_demo.units import human_bytes


def _unique(stem: str, suffix: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"


def _row(page: Page, name: str):
    return page.locator(".upload-file", has_text=name)


def _is_live(page: Page, url: str) -> bool:
    """Whether an object URL still resolves (a revoked one fails to fetch)."""
    return page.evaluate(
        "async url => { try { await (await fetch(url)).blob(); return true; }"
        " catch (e) { return false; } }",
        url,
    )


def _paste(page: Page, files: list[tuple[str, bytes, str]]) -> None:
    """A paste event whose clipboard holds ``files``, as Ctrl+V of copied files fires it."""
    payload = [
        {"name": name, "type": mime, "b64": base64.b64encode(data).decode()}
        for name, data, mime in files
    ]
    page.evaluate(
        """(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bin = atob(f.b64);
                const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, { type: f.type }));
            }
            const event = new ClipboardEvent("paste", { clipboardData: dt, bubbles: true });
            document.body.dispatchEvent(event);
        }""",
        payload,
    )


def _drop_folder(page: Page, folder: Path) -> None:
    """Drag a real folder from disk onto the dropzone (Chromium's own drag, via DevTools)."""
    box = page.locator(".dropzone").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(folder)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    cdp.detach()


def test_each_file_has_its_own_state_through_an_upload(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    """Three files in one request, one refused by the server: each row follows its own file."""
    names = [_unique("first", ".png"), _unique("second", ".png"), _unique("disguised", ".png")]
    contents = [samples.noisy_png(600_000, seed=7100), samples.noisy_png(600_000, seed=7101)]
    contents.append(samples.html_bytes("not a picture"))
    paths = []
    for name, data in zip(names, contents, strict=True):
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    open_page(page, frontend_url, "/images")
    choose_files(page, paths)
    for path in paths:
        expect(_row(page, path.name)).to_have_attribute("data-state", "queued")
        expect(_row(page, path.name)).to_contain_text(human_bytes(path.stat().st_size))

    throttle_uploads(page, 300_000)
    page.get_by_role("button", name="Upload", exact=True).click()
    # While the first file goes, the second waits its turn in the same request.
    expect(_row(page, names[0])).to_have_attribute("data-state", "sending", timeout=10_000)
    expect(_row(page, names[0])).to_contain_text("Sending")
    expect(_row(page, names[1])).to_have_attribute("data-state", "waiting")
    expect(
        page.get_by_role("button", name=re.compile("^Drag and drop files here"))
    ).to_have_attribute("aria-disabled", "true")
    expect(_row(page, names[1])).to_have_attribute("data-state", "sending", timeout=15_000)
    expect(_row(page, names[0])).to_have_attribute("data-state", "sent")
    announcer = page.locator(".upload-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("Uploading 3 files")

    expect_status(page, "Done: 2 stored, 1 rejected")
    expect(page.locator(".dropzone")).to_have_attribute("aria-disabled", "false")
    expect(_row(page, names[0])).to_have_attribute("data-state", "stored")
    expect(_row(page, names[1])).to_have_attribute("data-state", "stored")
    refused = _row(page, names[2])
    expect(refused).to_have_attribute("data-state", "refused")
    expect(refused).to_contain_text("the content is HTML")
    expect(announcer).to_contain_text("Done: 2 stored, 1 rejected.")
    expect(announcer).to_contain_text(f"{names[2]}: the content is HTML")
    assert len(rows_named(names[0])) == len(rows_named(names[1])) == 1
    assert rows_named(names[2]) == []


def test_one_selected_file_is_removed_before_upload(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    names = [_unique("keep", ".png"), _unique("drop", ".png"), _unique("keep-too", ".png")]
    paths = []
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(samples.image_bytes("PNG", seed=7200 + i))
        paths.append(tmp_path / name)
    open_page(page, frontend_url, "/images")
    choose_files(page, paths)
    expect(page.locator(".file-queued")).to_have_count(3)
    page.get_by_role("button", name=f"Remove {names[1]}").click()
    expect(page.locator(".file-queued")).to_have_count(2)
    expect(_row(page, names[1])).to_have_count(0)
    expect(page.locator(".selected-count")).to_have_text("2 selected")

    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 2 stored, 0 rejected")
    assert len(rows_named(names[0])) == len(rows_named(names[2])) == 1
    assert rows_named(names[1]) == []
    # Clear empties the list of what is done too.
    page.get_by_role("button", name="Clear").click()
    expect(page.locator(".upload-file")).to_have_count(0)
    expect(page.locator(".progress-text")).to_have_text("No upload yet.")


def test_previews_are_made_in_the_browser_and_revoked(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    picture, other = tmp_path / _unique("preview", ".png"), tmp_path / _unique("report", ".pdf")
    second = tmp_path / _unique("preview-two", ".webp")
    picture.write_bytes(samples.image_bytes("PNG", size=(120, 80), seed=7300))
    second.write_bytes(samples.photo_webp(seed=7301))
    other.write_bytes(samples.pdf_bytes("no preview"))
    open_page(page, frontend_url, "/restricted")
    choose_files(page, [picture, second, other])

    previews = page.locator(".file-preview")
    expect(previews).to_have_count(2)
    urls = [previews.nth(i).get_attribute("src") or "" for i in range(2)]
    assert all(url.startswith("blob:") for url in urls), urls
    page.wait_for_function(
        "() => [...document.querySelectorAll('.file-preview')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert all(_is_live(page, url) for url in urls)
    # The PDF gets its type's icon, not a picture.
    expect(_row(page, other.name).locator(".file-icon")).to_have_count(1)

    page.get_by_role("button", name=f"Remove {picture.name}").click()
    expect(previews).to_have_count(1)
    page.wait_for_function("url => fetch(url).then(() => false, () => true)", arg=urls[0])
    assert _is_live(page, urls[1])
    page.get_by_role("button", name="Clear").click()
    expect(previews).to_have_count(0)
    page.wait_for_function("url => fetch(url).then(() => false, () => true)", arg=urls[1])


def test_pasted_files_join_the_selection_under_the_same_policy(
    page: Page, frontend_url: str
) -> None:
    shot, scan = _unique("pasted-shot", ".png"), _unique("pasted-scan", ".jpg")
    notes = _unique("pasted-notes", ".txt")
    open_page(page, frontend_url, "/images")
    _paste(
        page,
        [
            (shot, samples.image_bytes("PNG", seed=7400), "image/png"),
            (scan, samples.image_bytes("JPEG", seed=7401), "image/jpeg"),
            (notes, b"just words", "text/plain"),
        ],
    )
    expect(page.locator(".file-queued")).to_have_count(2)
    expect(_row(page, shot)).to_have_attribute("data-state", "queued")
    refused = _row(page, notes)
    expect(refused).to_have_attribute("data-state", "refused")
    expect(refused).to_contain_text(policy.IMAGES.browser_reason("file-invalid-type"))
    page.get_by_role("button", name=f"Dismiss {notes}").click()
    expect(_row(page, notes)).to_have_count(0)

    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 2 stored, 0 rejected")
    assert len(rows_named(shot)) == len(rows_named(scan)) == 1


def _photo_folder(root: Path, seed: int) -> dict[str, str]:
    """A folder tree of pictures on disk; returns each file's name -> its folder."""
    tree = {
        f"{root.name}/{_unique('top', '.png')}": f"{root.name}",
        f"{root.name}/2024/{_unique('inner', '.png')}": f"{root.name}/2024",
        f"{root.name}/2024/june/{_unique('deep', '.jpg')}": f"{root.name}/2024/june",
    }
    for i, relative in enumerate(tree):
        path = root.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = "JPEG" if relative.endswith(".jpg") else "PNG"
        path.write_bytes(samples.image_bytes(fmt, seed=seed + i))
    return {relative.rsplit("/", 1)[1]: folder for relative, folder in tree.items()}


def _upload_expecting_folders(page: Page, files: dict[str, str]) -> None:
    """The selection lists each file under its folder; the records keep the folders."""
    expect(page.locator(".file-queued")).to_have_count(len(files))
    for name, folder in files.items():
        expect(_row(page, name)).to_contain_text(f"{folder}/{name}")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, f"Done: {len(files)} stored, 0 rejected")
    for name, folder in files.items():
        [row] = rows_named(name)
        assert row.folder == folder, (name, row.folder)


def test_a_chosen_folder_keeps_its_paths(page: Page, frontend_url: str, tmp_path: Path) -> None:
    root = tmp_path / _unique("holiday", "")
    files = _photo_folder(root, seed=7500)
    open_page(page, frontend_url, "/images")
    folder_input = page.locator("input.folder-input")
    expect(folder_input).to_have_attribute("webkitdirectory", "")
    folder_input.set_input_files(str(root))
    _upload_expecting_folders(page, files)


def test_a_dropped_folder_keeps_its_paths(page: Page, frontend_url: str, tmp_path: Path) -> None:
    root = tmp_path / _unique("dropped-album", "")
    files = _photo_folder(root, seed=7600)
    open_page(page, frontend_url, "/images")
    _drop_folder(page, root)
    _upload_expecting_folders(page, files)


def test_a_folder_bigger_than_the_page_allows_is_refused_before_sending(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    """/restricted takes 5 files: a folder of 6 is refused whole, and nothing is sent."""
    root = tmp_path / _unique("six-scans", "")
    root.mkdir()
    for i in range(6):
        (root / f"scan-{i}.png").write_bytes(samples.image_bytes("PNG", seed=7700 + i))
    _expect_folder_refused_unsent(
        page,
        frontend_url,
        "/restricted",
        root,
        6,
        policy.RESTRICTED.browser_reason("too-many-files"),
    )
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()


def test_the_camera_is_offered_on_images_and_video(page: Page, frontend_url: str) -> None:
    for route, accept, label in (
        ("/images", "image/*", "Take a photo"),
        ("/video", "video/*", "Record a video"),
    ):
        open_page(page, frontend_url, route)
        camera = page.locator("input.capture-input")
        expect(camera).to_have_attribute("capture", "environment")
        expect(camera).to_have_attribute("accept", accept)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name=label).click()
        assert chooser.value.element.get_attribute("capture") == "environment"
    open_page(page, frontend_url, "/restricted")
    expect(page.locator("input.capture-input")).to_have_count(0)
    expect(page.get_by_role("button", name="Take a photo")).to_have_count(0)


def test_a_paste_on_the_one_step_page_is_uploaded_at_once(page: Page, frontend_url: str) -> None:
    """No selection there: a paste goes the way of a drop, straight to the handler."""
    first, second = _unique("one-step-paste", ".png"), _unique("one-step-paste", ".pdf")
    wrong = _unique("one-step-paste", ".zip")
    open_page(page, frontend_url, "/one-step")
    _paste(
        page,
        [
            (first, samples.image_bytes("PNG", seed=7800), "image/png"),
            (second, samples.pdf_bytes("pasted"), "application/pdf"),
            (wrong, b"PK\x03\x04" + bytes(64), "application/zip"),
        ],
    )
    expect_status(page, "Done: 2 stored, 0 rejected")
    expect(_row(page, first)).to_have_attribute("data-state", "stored")
    expect(_row(page, second)).to_have_attribute("data-state", "stored")
    expect(_row(page, wrong)).to_have_attribute("data-state", "refused")
    assert len(rows_named(first)) == len(rows_named(second)) == 1
    assert rows_named(wrong) == []


def test_a_folder_over_the_pages_total_is_refused_before_sending(
    page: Page, frontend_url: str, tmp_path: Path
) -> None:
    """/images takes 100 MB in all: eleven pictures of 9.5 MB are refused whole.

    The browser judges names and sizes only, so the files can be sparse: nothing is read.
    """
    root = tmp_path / _unique("too-big", "")
    root.mkdir()
    each = 9_500_000
    assert each <= policy.IMAGES.max_file_size and 11 * each > policy.IMAGES.max_total_size
    for i in range(11):
        with (root / f"big-{i}.png").open("wb") as sparse:
            sparse.truncate(each)
    _expect_folder_refused_unsent(
        page, frontend_url, "/images", root, 11, policy.IMAGES.browser_reason("total-too-large")
    )


def _expect_folder_refused_unsent(
    page: Page, frontend_url: str, route: str, folder: Path, count: int, reason: str
) -> None:
    """``folder`` chosen on ``route``: all ``count`` files refused, and none sent."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if is_upload_request(r) else None)
    open_page(page, frontend_url, route)
    page.locator("input.folder-input").set_input_files(str(folder))
    expect(page.locator(".file-refused")).to_have_count(count)
    expect(page.locator(".upload-files")).to_contain_text(reason)
    expect(page.locator(".file-queued")).to_have_count(0)
    assert sent == []
