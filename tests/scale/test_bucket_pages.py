"""Every page on the bucket, in Chromium: the production build on two workers storing in RGW.

A second two-worker app (tests/workers.py), like the session's but with
``UPLOAD_DEMO_STORAGE`` set to a prefix of the services' bucket and a staging dir
of its own. The pages must work as they do on the local dir: pictures, posters and
the player load through ``/files/<name>`` (a redirect to a presigned URL), a
download carries the original name, delete removes the objects, and the bucket
itself answers nothing without a signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Response, expect

from tests import samples
from tests.bucket_prefix import bucket_prefix
from tests.db import rows_named, tag
from tests.e2e.actions import SIGNED, choose_files, expect_status, open_library, open_page
from tests.workers import TwoWorkerApp
from upload_demo.bucket import BucketStore


class OnBucket:
    """The running app and a BucketStore on the same prefix, to look into the bucket."""

    def __init__(self, app: TwoWorkerApp, store: BucketStore) -> None:
        self.app = app
        self.store = store

    @property
    def url(self) -> str:
        return self.app.url

    def names(self) -> set[str]:
        return {o.name for o in self.store.objects()}


@pytest.fixture(scope="module")
def on_bucket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnBucket]:
    workdir = tmp_path_factory.mktemp("bucket-pages")
    with bucket_prefix(workdir, "pages") as prefix:
        app = TwoWorkerApp(workdir, env=prefix.env)
        try:
            app.start()
            yield OnBucket(app, prefix.store)
        finally:
            app.stop()


def _signed_ok(response: Response) -> bool:
    return "X-Amz-Signature=" in response.url and response.status == 200


def test_images_upload_to_the_bucket_and_the_gallery_shows_them(
    page: Page, on_bucket: OnBucket, tmp_path: Path
) -> None:
    t = tag()
    files = []
    for index, fmt in enumerate(("PNG", "JPEG")):
        path = tmp_path / f"shot-{t}-{index}.{fmt.lower()}"
        path.write_bytes(samples.image_bytes(fmt, size=(480, 320), seed=930 + index))
        files.append(path)
    signed: list[str] = []
    page.on("response", lambda r: signed.append(r.url) if _signed_ok(r) else None)
    open_page(page, on_bucket.url, "/images")
    choose_files(page, files)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 2 stored, 0 rejected.")
    rows = rows_named(*(p.name for p in files))
    assert len(rows) == 2
    assert {n for r in rows for n in (r.stored_name, r.preview_name)} <= on_bucket.names()
    # The session's other tests share the database: find this test's tiles by name.
    for path in files:
        tile = page.locator(".gallery-item", has_text=path.name).locator("img")
        expect(tile).to_have_count(1)
        tile.evaluate(
            """img => img.complete && img.naturalWidth > 0 ? true
                : new Promise((done, fail) => {
                    img.onload = () => done(true);
                    img.onerror = () => fail(new Error('thumbnail did not load'));
                })"""
        )
    # Each picture came from the bucket through a presigned URL (after /files redirected).
    keys = {on_bucket.store.key(r.preview_name or "") for r in rows}
    assert keys <= {httpx.URL(url).path.lstrip("/").split("/", 1)[1] for url in signed}


def test_the_library_downloads_from_the_bucket_and_deletes_there(
    page: Page, on_bucket: OnBucket, tmp_path: Path
) -> None:
    name = f"report-{tag()}.pdf"
    path = tmp_path / name
    path.write_bytes(samples.pdf_bytes(f"report {name}"))
    open_page(page, on_bucket.url, "/restricted")
    choose_files(page, [path])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected.")
    (row,) = rows_named(name)
    assert row.stored_name in on_bucket.names()

    open_library(page, on_bucket.url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download {name}").click()
    download = download_info.value
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == path.read_bytes()

    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".library-notice")).to_contain_text(f"Deleted “{name}”")
    assert rows_named(name) == []
    assert row.stored_name not in on_bucket.names()
    plain = httpx.get(
        f"{on_bucket.store.client.meta.endpoint_url}/{on_bucket.store.bucket}/"
        f"{on_bucket.store.key(row.stored_name)}"
    )
    assert plain.status_code in (403, 404)


def test_the_player_streams_the_video_and_its_poster_from_the_bucket(
    page: Page, on_bucket: OnBucket, tmp_path: Path
) -> None:
    clip = tmp_path / f"clip-{tag()}.mp4"
    clip.write_bytes(samples.video_bytes("mp4", frames=30, size=(160, 120), seed=932))
    open_page(page, on_bucket.url, "/video")
    choose_files(page, [clip])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected.")
    (row,) = rows_named(clip.name)
    assert {row.stored_name, row.preview_name} <= on_bucket.names()
    player = page.locator("video#player")
    expect(player).to_have_attribute(
        "poster", re.compile(r"/files/[0-9a-f]{32}\.poster\.jpg" + SIGNED)
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video#player');"
        " return v && v.readyState >= 1 && v.duration > 0; }"
    )
    poster = page.evaluate(
        """src => new Promise((done, fail) => {
            const i = new Image();
            i.onload = () => done([i.naturalWidth, i.naturalHeight]);
            i.onerror = () => fail(new Error('poster did not load'));
            i.src = src;
        })""",
        player.get_attribute("poster"),
    )
    assert poster == [160, 120]
