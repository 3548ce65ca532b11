"""The app's backend storing into the real bucket: uploads over HTTP, then every read path.

One backend process (as production runs it) with ``UPLOAD_DEMO_STORAGE`` set to a
prefix of the services' bucket and the session's PostgreSQL database. What the pages
link to (``/files/<name>``) and ``/download/<id>`` answer with a redirect to a
short-lived presigned URL; nothing is readable from the bucket without one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests import client, db, samples
from tests.backend import tus_client
from tests.backend.uploads import wait_for_row
from tests.backend_process import BackendProcess
from tests.bucket_prefix import bucket_prefix
from upload_demo.bucket import BucketStore
from upload_demo.pages.images import ImagesState
from upload_demo.pages.large import LargeState


@pytest.fixture(scope="module")
def bucket_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BucketStore]]:
    """The backend on the bucket, and a BucketStore to look into the same prefix."""
    workdir = tmp_path_factory.mktemp("bucket-app")
    with bucket_prefix(workdir, "app") as prefix:
        backend = BackendProcess(workdir / "backend.log", env=prefix.env)
        try:
            backend.wait_ready()
            yield backend.url, prefix.store
        finally:
            backend.stop()


def test_uploads_land_in_the_bucket_and_read_back_through_presigned_urls(
    bucket_app: tuple[str, BucketStore],
) -> None:
    backend, store = bucket_app
    t = db.tag()
    png = samples.image_bytes("PNG", seed=911)
    response = client.post_upload(backend, ImagesState.handle_upload, [(f"pic-{t}.png", png)])
    assert response.status_code == 200, response.text[:300]
    (row,) = db.rows_named(f"pic-{t}.png")
    assert row.preview_name
    assert {row.stored_name, row.preview_name} <= {o.name for o in store.objects()}
    assert not list(Path(store.staging_dir).iterdir()), "nothing is left in the staging dir"

    for name, expected_type in ((row.stored_name, "image/png"), (row.preview_name, "image/webp")):
        hop = httpx.get(f"{backend}/files/{name}")
        assert hop.status_code == 307
        assert "max-age" in hop.headers["cache-control"]
        target = hop.headers["location"]
        assert urlsplit(target).netloc == urlsplit(store.client.meta.endpoint_url).netloc
        assert "X-Amz-Signature=" in target and "X-Amz-Expires=300" in target
        fetched = httpx.get(target)
        assert fetched.status_code == 200 and fetched.headers["content-type"] == expected_type
    assert httpx.get(str(httpx.URL(target).copy_with(query=None))).status_code == 403

    hop = httpx.get(f"{backend}/download/{row.id}")
    assert hop.status_code == 307
    fetched = httpx.get(hop.headers["location"])
    assert fetched.content == png
    assert fetched.headers["content-disposition"] == (
        f"attachment; filename=\"pic-{t}.png\"; filename*=UTF-8''pic-{t}.png"
    )


def test_streamed_upload_lands_in_the_bucket(bucket_app: tuple[str, BucketStore]) -> None:
    backend, store = bucket_app
    data = b"PK\x03\x04" + os.urandom(20 * 1024 * 1024)
    name = f"archive-{db.tag()}.zip"
    response = client.post_upload(backend, LargeState.handle_chunks, [(name, data)])
    assert response.status_code in (200, 202), response.text[:300]
    row = wait_for_row(hashlib.sha256(data).hexdigest())
    body = store.client.get_object(Bucket=store.bucket, Key=store.key(row.stored_name))
    assert hashlib.sha256(body["Body"].read()).hexdigest() == row.sha256


def test_only_stored_names_are_presigned_and_unknown_ids_are_404(
    bucket_app: tuple[str, BucketStore],
) -> None:
    backend, _ = bucket_app
    for path in ("files/..%2Fsecret", "files/not-a-name.txt", "files/ABC.png", "download/999999"):
        assert httpx.get(f"{backend}/{path}").status_code == 404, path


def test_a_resumable_upload_lands_in_the_bucket(bucket_app: tuple[str, BucketStore]) -> None:
    """A tus upload on the bucket: its partial file is staged locally, the finished file goes up."""
    backend, store = bucket_app
    data = tus_client.pdf_bytes(12 * 1024 * 1024, seed=913)
    name = f"resumable-{db.tag()}.pdf"
    url = tus_client.created_url(backend, tus_client.create(backend, len(data), name=name))
    half = len(data) // 2
    assert tus_client.patch(url, 0, data[:half]).status_code == 204
    assert tus_client.head(url).headers["upload-offset"] == str(half)
    assert tus_client.patch(url, half, data[half:]).status_code == 204
    (row,) = db.rows_named(name)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.stored_name in {o.name for o in store.objects()}
    hop = httpx.get(f"{backend}/download/{row.id}")
    assert httpx.get(hop.headers["location"]).content == data
    assert not list(Path(store.staging_dir).glob(".resumable/*")), "no partial file is left"
