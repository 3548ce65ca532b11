"""Stored files in a real S3 bucket (Ceph RGW of ``make services``): ingest, reads, delete.

Every test talks to the RGW and the PostgreSQL of the session; each has a prefix of
its own in the bucket (the ``bucket_store`` fixture), emptied afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import hashlib
import io
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import reflex as rx
import sqlmodel

from tests import db, samples
from upload_demo import chunked, leases, policy, records, storage
from upload_demo.bucket import BucketStore
from upload_demo.ingest import Incoming, ingest_batch
from upload_demo.leases import LeaseLost
from upload_demo.models import StoredFile, UploadLease
from upload_demo.stores import Cancelled


def read(store: BucketStore, name: str) -> tuple[bytes, str]:
    """An object's bytes and Content-Type, read with the store's credentials."""
    got = store.client.get_object(Bucket=store.bucket, Key=store.key(name))
    return got["Body"].read(), got["ContentType"]


def names(store: BucketStore) -> set[str]:
    return {o.name for o in store.objects()}


def lease_rows(*names: str) -> list[UploadLease]:
    with rx.session() as session:
        query = sqlmodel.select(UploadLease).where(sqlmodel.col(UploadLease.name).in_(names))
        return list(session.exec(query).all())


def lease_count() -> int:
    with rx.session() as session:
        return len(session.exec(sqlmodel.select(UploadLease.name)).all())


Stage = Callable[..., storage.Staged]


@pytest.fixture
def stage(bucket_store: BucketStore) -> Iterator[Stage]:
    """Make staged temp files holding given bytes; they are closed (removed) after the test."""
    with contextlib.ExitStack() as stack:

        def make(data: bytes, extension: str = ".bin") -> storage.Staged:
            target = storage.staging(bucket_store.staging_dir, storage.new_name(extension))
            staged = stack.enter_context(target)
            with staged.writer() as out:
                out.write(data)
            return staged

        yield make


def test_an_image_batch_goes_to_the_bucket_with_its_thumbnail(bucket_store: BucketStore) -> None:
    t = db.tag()
    png, html = samples.image_bytes("PNG", seed=901), samples.html_bytes(t)
    outcomes = ingest_batch(
        [
            Incoming(f"pic-{t}.png", io.BytesIO(png), len(png)),
            Incoming(f"page-{t}.png", io.BytesIO(html), len(html)),
        ],
        policy.IMAGES,
        bucket_store,
    )
    stored, refused = outcomes
    assert stored.stored and not refused.stored, [o.message for o in outcomes]
    (row,) = db.rows_named(f"pic-{t}.png")
    assert row.preview_name
    assert names(bucket_store) == {row.stored_name, row.preview_name}
    assert read(bucket_store, row.stored_name) == (png, "image/png")
    assert read(bucket_store, row.preview_name)[1] == "image/webp"
    assert lease_rows(row.stored_name, row.preview_name) == [], "the commit drops the lease"
    assert list(bucket_store.partial_uploads()) == []
    assert storage.temp_files(bucket_store.staging_dir) == [], "nothing staged is left"


def test_a_big_file_goes_up_in_parts_and_reads_back_whole(bucket_store: BucketStore) -> None:
    data = b"%PDF-1.7\n" + os.urandom(3 * 8 * 1024 * 1024 + 12345)
    (outcome,) = ingest_batch(
        [Incoming(f"big-{db.tag()}.pdf", io.BytesIO(data), len(data))],
        policy.LARGE,
        bucket_store,
    )
    assert outcome.stored, outcome.message
    head = bucket_store.client.head_object(
        Bucket=bucket_store.bucket, Key=bucket_store.key(outcome.stored_name)
    )
    # A multipart object's ETag is "<md5 of the part md5s>-<parts>".
    assert head["ETag"].strip('"').endswith("-4"), head["ETag"]
    body, content_type = read(bucket_store, outcome.stored_name)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest()
    assert content_type == "application/pdf"


def test_the_same_bytes_again_store_no_second_object(bucket_store: BucketStore) -> None:
    t = db.tag()
    data = samples.image_bytes("JPEG", seed=902)
    first, again = ingest_batch(
        [
            Incoming(f"one-{t}.jpg", io.BytesIO(data), len(data)),
            Incoming(f"two-{t}.jpg", io.BytesIO(data), len(data)),
        ],
        policy.IMAGES,
        bucket_store,
    )
    assert first.stored and not again.stored
    assert again.duplicate_of == first.stored_name
    assert len(names(bucket_store)) == 2, "the file and its thumbnail, once"


def test_a_failed_commit_removes_the_objects_and_the_lease(bucket_store: BucketStore) -> None:
    t = db.tag()
    data = samples.image_bytes("PNG", seed=903)
    before = lease_count()
    with db.refusing("INSERT"):
        (outcome,) = ingest_batch(
            [Incoming(f"refused-{t}.png", io.BytesIO(data), len(data))],
            policy.IMAGES,
            bucket_store,
        )
    assert not outcome.stored
    assert names(bucket_store) == set()
    assert db.rows_named(f"refused-{t}.png") == []
    assert lease_count() == before


def test_delete_removes_the_row_then_the_objects(bucket_store: BucketStore) -> None:
    t = db.tag()
    data = samples.image_bytes("WEBP", seed=904)
    (outcome,) = ingest_batch(
        [Incoming(f"gone-{t}.webp", io.BytesIO(data), len(data))], policy.IMAGES, bucket_store
    )
    (row,) = db.rows_named(f"gone-{t}.webp")
    assert records.delete(row.id or 0, bucket_store) is not None
    assert db.rows_named(f"gone-{t}.webp") == []
    assert names(bucket_store) == set()
    assert outcome.stored


def test_a_stopped_publish_aborts_its_multipart_upload(
    bucket_store: BucketStore, stage: Stage
) -> None:
    staged = stage(os.urandom(64 * 1024 * 1024))
    stop = threading.Event()
    seen: list[list[object]] = []

    def stop_once_started() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not seen[-1:]:
            uploads = list(bucket_store.partial_uploads())
            if uploads:
                seen.append(list(uploads))
            time.sleep(0.01)
        stop.set()

    watcher = threading.Thread(target=stop_once_started)
    watcher.start()
    with pytest.raises(Cancelled):
        bucket_store.publish(staged, "application/octet-stream", None, stop)
    watcher.join()
    assert seen, "the multipart upload was seen running before the stop"
    assert list(bucket_store.partial_uploads()) == []
    assert names(bucket_store) == set()


def test_a_writer_that_lost_its_lease_aborts_and_cannot_commit(
    bucket_store: BucketStore, stage: Stage
) -> None:
    """A writer stalled past its lease, whose names a repair took back, leaves nothing."""
    staged = stage(os.urandom(24 * 1024 * 1024))
    lease = leases.take([staged.name], ttl=datetime.timedelta(seconds=-1))
    with rx.session() as session:
        assert leases.take_back(session, staged.name)
        session.commit()
    with pytest.raises(LeaseLost):
        # The lease is due at once: the first renewal finds it gone.
        bucket_store.publish(staged, "application/octet-stream", lease)
    assert list(bucket_store.partial_uploads()) == []
    assert names(bucket_store) == set()

    small = stage(b"%PDF-1.7\nsmall", ".pdf")
    lost = leases.take([small.name], ttl=datetime.timedelta(seconds=-1))
    bucket_store.publish(small, "application/pdf", None)
    with rx.session() as session:
        assert leases.take_back(session, small.name)
        session.commit()
    record = StoredFile(
        original_name=f"lost-{db.tag()}.pdf",
        stored_name=small.name,
        kind="document",
        content_type="application/pdf",
        size=14,
        sha256=hashlib.sha256(os.urandom(8)).hexdigest(),
        source_page="large",
    )
    with pytest.raises(LeaseLost):
        records.commit_or_discard(record, bucket_store, lost)
    assert names(bucket_store) == set(), "the failed commit removed the object"
    assert db.rows_named(record.original_name) == []


def test_objects_are_private_and_presigned_urls_expire(
    bucket_store: BucketStore, stage: Stage, tmp_path: Path
) -> None:
    staged = stage(b"%PDF-1.7\nprivate", ".pdf")
    bucket_store.publish(staged, "application/pdf", None)
    endpoint = bucket_store.client.meta.endpoint_url
    plain = httpx.get(f"{endpoint}/{bucket_store.bucket}/{bucket_store.key(staged.name)}")
    assert plain.status_code == 403, "no anonymous read"
    url = bucket_store.url_for(staged.name, download_as='attachment; filename="a.pdf"')
    signed = httpx.get(url)
    assert signed.status_code == 200 and signed.content == b"%PDF-1.7\nprivate"
    assert signed.headers["content-disposition"] == 'attachment; filename="a.pdf"'
    short = BucketStore(bucket_store.url, tmp_path)
    short.url_ttl = 3
    expiring = short.url_for(staged.name)
    assert httpx.get(expiring).status_code == 200
    time.sleep(4.5)
    assert httpx.get(expiring).status_code == 403, "a presigned URL dies with its TTL"


def test_a_long_publish_renews_its_lease(bucket_store: BucketStore, stage: Stage) -> None:
    """A lease close to its expiry is pushed out while the parts go up, then dropped."""
    staged = stage(os.urandom(24 * 1024 * 1024))
    with leases.held([staged.name]) as lease:
        nearly_gone = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30)
        with rx.session() as session:
            row = session.get(UploadLease, staged.name)
            assert row is not None
            row.expires_at = nearly_gone
            session.add(row)
            session.commit()
        lease.expires_at = nearly_gone
        bucket_store.publish(staged, "application/octet-stream", lease)
        (row,) = lease_rows(staged.name)
        assert row.expires_at > nearly_gone + datetime.timedelta(minutes=5)
    assert lease_rows(staged.name) == [], "leaving the block drops it"


async def _one_chunk_file(name: str, data: bytes) -> AsyncIterator[rx.UploadChunk]:
    for offset in range(0, len(data), 1024 * 1024):
        piece = data[offset : offset + 1024 * 1024]
        yield rx.UploadChunk(filename=name, offset=offset, content_type="", data=piece)


def test_a_cancel_while_a_streamed_file_goes_to_the_bucket_leaves_nothing(
    bucket_store: BucketStore,
) -> None:
    """/large's Cancel that came after the body, while the file is being published."""
    name = f"late-cancel-{db.tag()}.pdf"
    data = b"%PDF-1.7\n" + os.urandom(96 * 1024 * 1024)
    publishing_seen: list[bool] = []

    async def still_wanted() -> bool:
        # The page cancels once the file's multipart upload is under way.
        running = bool(await asyncio.to_thread(lambda: list(bucket_store.partial_uploads())))
        publishing_seen.append(running)
        return not running

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        upload = chunked.receive(
            _one_chunk_file(name, data), policy.LARGE, bucket_store, pool, still_wanted
        )
        # A loop of its own: the session's Playwright may run one in this thread.
        with concurrent.futures.ThreadPoolExecutor(1) as loop_thread:
            outcomes = loop_thread.submit(asyncio.run, upload).result()
    assert any(publishing_seen), "the cancel came while the file was being published"
    assert outcomes == []
    assert db.rows_named(name) == []
    assert names(bucket_store) == set()
    assert list(bucket_store.partial_uploads()) == []
    assert storage.temp_files(bucket_store.staging_dir) == []
