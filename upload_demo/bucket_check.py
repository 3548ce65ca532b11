"""The maintenance check's judgements for a bucket, where nothing can be locked.

A local file is claimed by its writer's ``flock``; an object is claimed by a
lease (leases.py) from before its first byte until the transaction that
commits its record drops the lease. So "is a writer still at work on this
object?" is one question to the database, asked in ONE statement so it sees
one snapshot: is there a record, is there a live lease? Asked in two, a
writer committing in between (the record appears as its lease goes) could
look like neither. A listing is always taken before the question, so an
object or multipart upload seen in it had its lease committed already.

Taking something away is one transaction: an expired lease is deleted, the
question is asked again, and only an orphan is then removed. A writer that
stalled past its lease's expiry can no longer commit (its lease is gone), so
it cannot record an object the repair is removing.

Blocking (database and bucket I/O): call from a thread.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Literal

import sqlalchemy
import sqlmodel

from upload_demo import findings, leases
from upload_demo.bucket import BucketStore, PartialUpload
from upload_demo.findings import Repairs, Report, SessionFactory
from upload_demo.models import StoredFile, UploadLease

Verdict = Literal["recorded", "busy", "orphan"]

#: The verdicts that make an unfinished multipart upload a leftover.
ABANDONED: frozenset[Verdict] = frozenset({"orphan", "recorded"})


def _verdict(session: sqlmodel.Session, name: str) -> Verdict:
    recorded = sqlalchemy.exists().where(
        sqlmodel.or_(
            sqlmodel.col(StoredFile.stored_name) == name,
            sqlmodel.col(StoredFile.preview_name) == name,
        )
    )
    leased = sqlalchemy.exists().where(
        sqlmodel.col(UploadLease.name) == name,
        sqlmodel.col(UploadLease.expires_at) > datetime.datetime.now(datetime.UTC),
    )
    has_record, has_lease = session.exec(sqlmodel.select(recorded, leased)).one()
    if has_record:
        return "recorded"
    return "busy" if has_lease else "orphan"


def judge(names: Iterable[str], session_factory: SessionFactory) -> dict[str, Verdict]:
    """Each name's verdict; call after the listing that found the names."""
    with session_factory() as session:
        return {name: _verdict(session, name) for name in names}


def stale_leases(seen: set[str], session_factory: SessionFactory) -> list[str]:
    """Expired leases on names with nothing in the bucket: a writer died before its first byte."""
    with session_factory() as session:
        return [name for name in leases.expired(session) if name not in seen]


def _take(
    name: str,
    session_factory: SessionFactory,
    then: Callable[[], None],
    removable: frozenset[Verdict] = frozenset({"orphan"}),
) -> bool:
    """Take ``name`` back from a dead writer and run ``then``; False if its writer is at work."""
    with session_factory() as session:
        leases.take_back(session, name)
        if _verdict(session, name) not in removable:
            session.rollback()
            return False
        session.commit()
    then()
    return True


def remove_object(store: BucketStore, name: str, session_factory: SessionFactory) -> bool:
    """Delete an object without a record or a live lease; whether it was one."""
    return _take(name, session_factory, lambda: store.delete(name))


def abort_upload(
    store: BucketStore, upload: PartialUpload, session_factory: SessionFactory
) -> bool:
    """Abort a multipart upload whose writer is gone; whether it was gone.

    A recorded name does not save it: the recorded object is a completed
    upload, so an unfinished one under the same name is left over.
    """
    return _take(upload.name, session_factory, lambda: store.abort(upload), ABANDONED)


def drop_stale_lease(name: str, session_factory: SessionFactory) -> bool:
    """Delete an expired lease that claims nothing; whether there was one."""
    with session_factory() as session:
        taken = leases.take_back(session, name)
        session.commit()
    return taken


def scan(store: BucketStore, session_factory: SessionFactory) -> Report:
    """The bucket against the records: orphans, missing objects, abandoned uploads, stale leases."""
    report = Report()
    rows = findings.rows(session_factory)
    # Listed before they are judged (see above).
    objects = {o.name for o in store.objects()}
    partial = list(store.partial_uploads())
    unreferenced = findings.compare(report, rows, objects)
    for name, verdict in sorted(judge(unreferenced, session_factory).items()):
        if verdict == "orphan":
            report.orphan_files.append(name)
        elif verdict == "busy":
            report.busy_files.append(name)
    verdicts = judge({u.name for u in partial}, session_factory)
    for upload in partial:
        if verdicts[upload.name] in ABANDONED:
            report.partial_uploads.append(upload)
        else:
            report.busy_partial_uploads.append(upload)
    seen = objects | {u.name for u in partial}
    report.stale_leases = stale_leases(seen, session_factory)
    return report


def repair(
    store: BucketStore,
    report: Report,
    stray: list[str],
    done: Repairs,
    session_factory: SessionFactory,
) -> None:
    """Remove what ``scan`` found abandoned, each only once it is taken back from its writer."""
    for name in stray:
        if remove_object(store, name, session_factory):
            done.files_removed.append(name)
    for upload in report.partial_uploads:
        if abort_upload(store, upload, session_factory):
            done.uploads_aborted.append(upload)
    for name in report.stale_leases:
        if drop_stale_lease(name, session_factory):
            done.leases_dropped.append(name)
