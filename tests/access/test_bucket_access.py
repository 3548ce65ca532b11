"""Private files on the bucket, on two workers: nothing signed out, signed URLs and sessions only.

A two-worker app (tests/workers.py) like the session's, storing in a prefix of the
services' bucket, on the session's database (so ``ada`` and ``max`` exist). Needs
``make services``: ``make test-scale`` runs it (in ``make test`` there is no bucket).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from tests import samples
from tests.access.conftest import Person
from tests.access.signing_in import sign_in
from tests.bucket_prefix import BUCKET_VARIABLE, bucket_prefix
from tests.db import rows_named, tag
from tests.e2e.actions import choose_files, expect_status
from tests.workers import TwoWorkerApp
from upload_demo import access
from upload_demo.bucket import BucketStore

pytestmark = pytest.mark.skipif(
    not os.environ.get(BUCKET_VARIABLE) or not os.environ.get("REFLEX_REDIS_URL"),
    reason="needs the bucket and Redis of `make services` (make test-scale runs it)",
)


@pytest.fixture(scope="module")
def bucket_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BucketStore]]:
    workdir = tmp_path_factory.mktemp("bucket-access")
    with bucket_prefix(workdir, "access") as prefix:
        app = TwoWorkerApp(workdir, env=prefix.env)
        try:
            app.start()
            yield app.url, prefix.store
        finally:
            app.stop()


def test_a_member_sees_bucket_files_that_nobody_signed_out_can_fetch(
    page: Page, bucket_app: tuple[str, BucketStore], member: Person, tmp_path: Path
) -> None:
    url, store = bucket_app
    path = tmp_path / f"private-{tag()}.png"
    path.write_bytes(samples.image_bytes("PNG", size=(320, 200), seed=4242))
    sign_in(page, url, member.name, member.password, then="/images")
    choose_files(page, [path])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored, 0 rejected.")
    (row,) = rows_named(path.name)
    assert row.uploaded_by == member.name
    assert {row.stored_name, row.preview_name} <= {o.name for o in store.objects()}

    # The gallery's thumbnail loads: a signed /files URL, redirected to a presigned one.
    tile = page.locator(".gallery-item", has_text=path.name).locator("img")
    src = tile.get_attribute("src") or ""
    assert f"/files/{row.preview_name}?exp=" in src
    tile.evaluate(
        """img => img.complete && img.naturalWidth > 0 ? true
            : new Promise((done, fail) => {
                img.onload = () => done(true);
                img.onerror = () => fail(new Error('thumbnail did not load'));
            })"""
    )

    signed = httpx.get(src)
    assert signed.status_code == 307
    assert "X-Amz-Signature=" in signed.headers["location"]
    assert signed.headers["x-content-type-options"] == "nosniff"
    for path_only in (
        f"files/{row.stored_name}",
        f"files/{row.preview_name}",
        f"download/{row.id}",
    ):
        refused = httpx.get(f"{url}/{path_only}")
        assert refused.status_code == 403, path_only
        assert row.stored_name not in refused.text and path.name not in refused.text
    (cookie,) = [c for c in page.context.cookies() if c.get("name") == access.COOKIE]
    with_session = httpx.get(
        f"{url}/download/{row.id}", cookies={access.COOKIE: cookie.get("value", "")}
    )
    assert with_session.status_code == 307
    assert "X-Amz-Signature=" in with_session.headers["location"]
