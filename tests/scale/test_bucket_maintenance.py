"""``python -m upload_demo.maintenance check [--repair]`` on a real bucket (RGW).

Objects without records, records without objects, multipart uploads whose writer
is gone, and leases of writers that never sent a byte are found and repaired;
what a live writer holds (a lease that has not expired) is left alone; the exit
codes and the refusal to delete every record are the local dir's. The check
sees every record of its database, so each test has a PostgreSQL database of its
own (``empty_database``) and a prefix of its own in the bucket.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlmodel

from tests import db
from upload_demo import consistency, leases, maintenance, storage
from upload_demo.bucket import BucketStore
from upload_demo.models import StoredFile, UploadLease

EXPIRED = datetime.timedelta(seconds=-1)


def pdf_record(stored_name: str, data: bytes) -> StoredFile:
    """The row a /large upload of ``data`` as a PDF would commit."""
    return StoredFile(
        original_name=f"doc-{db.tag()}.pdf",
        stored_name=stored_name,
        kind="document",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        source_page="large",
    )


class Records:
    """The test's own database: records and leases as the app writes them."""

    def __init__(self, url: str) -> None:
        self.engine = sqlmodel.create_engine(url)
        sqlmodel.SQLModel.metadata.create_all(self.engine)

    @contextlib.contextmanager
    def session(self) -> Iterator[sqlmodel.Session]:
        with sqlmodel.Session(self.engine) as session:
            yield session

    def add(self, store: BucketStore, *, in_bucket: bool = True) -> StoredFile:
        """A committed record whose object is in the bucket, or not."""
        name = storage.new_name(".pdf")
        data = b"%PDF-1.7\n" + os.urandom(16)
        if in_bucket:
            put(store, name, data)
        row = pdf_record(name, data)
        with self.session() as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        return row

    def lease(self, *names: str, ttl: datetime.timedelta = leases.TTL) -> leases.Lease:
        """A writer's lease on ``names``, as leases.take commits it."""
        lease = leases.Lease(
            names, secrets.token_hex(16), datetime.datetime.now(datetime.UTC) + ttl
        )
        with self.session() as session:
            for name in names:
                session.add(
                    UploadLease(name=name, holder=lease.holder, expires_at=lease.expires_at)
                )
            session.commit()
        return lease

    def count(self) -> int:
        with self.session() as session:
            return len(session.exec(sqlmodel.select(StoredFile.id)).all())


@pytest.fixture
def own(empty_database: str) -> Iterator[Records]:
    found = Records(empty_database)
    yield found
    found.engine.dispose()


def put(store: BucketStore, name: str, data: bytes = b"x") -> None:
    store.client.put_object(Bucket=store.bucket, Key=store.key(name), Body=data)


def test_each_problem_is_found_and_repaired_and_live_work_is_left_alone(
    bucket_store: BucketStore, own: Records
) -> None:
    healthy = own.add(bucket_store)
    lost = own.add(bucket_store, in_bucket=False)
    orphan = storage.new_name(".bin")
    put(bucket_store, orphan)
    abandoned_name = storage.new_name(".bin")
    abandoned = bucket_store.client.create_multipart_upload(
        Bucket=bucket_store.bucket, Key=bucket_store.key(abandoned_name)
    )
    # A live writer: its lease is fresh, its object and its multipart upload are its own.
    busy_name, busy_upload_name = storage.new_name(".bin"), storage.new_name(".bin")
    live = own.lease(busy_name, busy_upload_name)
    put(bucket_store, busy_name)
    running = bucket_store.client.create_multipart_upload(
        Bucket=bucket_store.bucket, Key=bucket_store.key(busy_upload_name)
    )
    # A dead writer's object (its lease expired) and one that died before its first byte.
    dead_name, never_sent = storage.new_name(".bin"), storage.new_name(".bin")
    own.lease(dead_name, never_sent, ttl=EXPIRED)
    put(bucket_store, dead_name)

    report = consistency.scan(bucket_store, session_factory=own.session)
    assert sorted(report.orphan_files) == sorted([orphan, dead_name])
    assert [r.stored_name for r in report.missing_files] == [lost.stored_name]
    assert [u.upload_id for u in report.partial_uploads] == [abandoned["UploadId"]]
    assert report.stale_leases == [never_sent]
    assert report.busy_files == [busy_name]
    assert [u.upload_id for u in report.busy_partial_uploads] == [running["UploadId"]]
    assert report.problems == 5

    done = consistency.repair(bucket_store, report, session_factory=own.session)
    assert sorted(done.files_removed) == sorted([orphan, dead_name])
    assert [u.upload_id for u in done.uploads_aborted] == [abandoned["UploadId"]]
    assert done.leases_dropped == [never_sent]
    objects = {o.name for o in bucket_store.objects()}
    assert objects == {healthy.stored_name, busy_name}
    assert [u.upload_id for u in bucket_store.partial_uploads()] == [running["UploadId"]]
    with own.session() as session:
        assert session.get(StoredFile, lost.id) is None
        assert session.get(StoredFile, healthy.id) is not None
        assert leases.live(session) == set(live.names)
        assert leases.expired(session) == []
    after = consistency.scan(bucket_store, session_factory=own.session)
    assert after.problems == 0 and after.busy_files == [busy_name]


def test_a_record_committed_after_the_check_spares_its_object(
    bucket_store: BucketStore, own: Records
) -> None:
    """The repair asks again, in one statement, before it removes anything."""
    name = storage.new_name(".pdf")
    lease = own.lease(name, ttl=EXPIRED)
    put(bucket_store, name)
    report = consistency.scan(bucket_store, session_factory=own.session)
    assert report.orphan_files == [name]
    # The writer commits (late, but its lease was not taken back yet).
    with own.session() as session:
        session.add(pdf_record(name, b"%PDF-1.7\nlate"))
        leases.release_in(session, lease)
        session.commit()
    assert consistency.repair(bucket_store, report, session_factory=own.session).files_removed == []
    assert {o.name for o in bucket_store.objects()} == {name}


def run(
    store: BucketStore, own: Records, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    status = maintenance.main(["check", *args], store=store, session_factory=own.session)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_exit_codes_and_the_refusal_to_delete_every_record(
    bucket_store: BucketStore, own: Records, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run(bucket_store, own, capsys)
    assert status == 0, out
    assert f"Stored files: bucket {bucket_store.url}" in out
    for _ in range(3):
        own.add(bucket_store, in_bucket=False)
    status, out = run(bucket_store, own, capsys)
    assert status == 1 and "Records without their file (3)" in out, out
    status, out = run(bucket_store, own, capsys, "--repair")
    assert status == 2 and "Refusing to repair" in out, out
    assert own.count() == 3
    status, out = run(bucket_store, own, capsys, "--repair", "--force")
    assert status == 0 and "Clean now." in out, out


def test_an_unreachable_bucket_is_an_error_not_an_empty_store(
    bucket_store: BucketStore, own: Records, capsys: pytest.CaptureFixture[str]
) -> None:
    own.add(bucket_store)
    missing = BucketStore(f"s3://no-such-bucket-{db.tag()}/x", bucket_store.staging_dir)
    status, out = run(missing, own, capsys, "--repair", "--force")
    assert status == 2 and "cannot be reached" in out, out
    assert own.count() == 1
