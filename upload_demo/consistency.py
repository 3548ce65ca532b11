"""Do the stored files and the database agree? Find out (``scan``), and fix it (``repair``).

``scan`` lists files without a record, records without their file (or
without their preview), temporary files a crash left behind, resumable
uploads abandoned past their expiry (and partial files of none); in a
bucket also unfinished multipart uploads and expired leases (leases.py);
``repair`` removes the stray files, aborts the abandoned uploads, deletes the
records whose file is gone and clears a missing preview. The command around
them is maintenance.py; the app calls ``remove_leftover_temp_files`` when it
starts. What follows is the local dir; bucket_check.py judges a bucket.

Uploads may be running while this looks. Every file the app writes is locked
by its writer (an exclusive ``flock``) from the moment it exists until its
record is committed: storage locks its temporary file, the lock follows the
file through its rename to the final name, and ingest keeps the file (and its
preview) open until the commit is over. The kernel drops the lock when its
process dies, even by SIGKILL. So, with no guess about time:

- a temporary file is a leftover when nobody holds its lock. It must also be
  ``TEMP_GRACE_S`` seconds old: that covers the instant between creating a
  temporary file and locking it, the one moment a writer's file is unlocked;
- a file without a record is an orphan when nobody holds its lock (its writer
  is gone) and, checked again while the check holds that lock, still no record
  names it: the writer may have committed and let go between the check's
  reading of the records and its taking of the lock. A file whose writer is
  alive is left alone, listed as being stored.

The start-up clean-up removes temporary files only: a published file without a
record may also be one restored from a backup before its records; only
``check --repair`` removes those.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo import bucket_check, findings, resumable, storage
from upload_demo.bucket import BucketStore
from upload_demo.findings import AbandonedUpload, Repairs, Report, SessionFactory
from upload_demo.models import StoredFile
from upload_demo.storage import TEMP_PREFIX
from upload_demo.stores import LocalStore, Store

#: A temporary file changed this recently may be one a writer has only just created.
TEMP_GRACE_S = 2.0

#: Names in the upload dir that are not uploads.
IGNORED_NAMES = frozenset({".gitkeep"})


# --- is a writer still at work? ------------------------------------------------------


@contextlib.contextmanager
def _abandoned(path: Path, grace_s: float) -> Iterator[bool]:
    """Whether no writer has ``path``: unchanged for ``grace_s`` seconds and its lock free.

    If so, the lock is held for the block, so no writer can start on the file
    before the caller is done with it (say, removing it).
    """
    try:
        changed = path.stat().st_mtime
    except FileNotFoundError:
        yield False
        return
    if time.time() - changed < grace_s:
        yield False
        return
    with storage.claim(path) as free:
        yield free


def remove_leftover_temp_files(directory: Path) -> list[Path]:
    """Remove the temporary files no live upload is writing; return what was removed."""
    removed = []
    for path in storage.temp_files(directory):
        with _abandoned(path, TEMP_GRACE_S) as free:
            if free:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


# --- the check ---------------------------------------------------------------------


def _has_record(name: str, session_factory: SessionFactory) -> bool:
    """Whether a row names ``name`` as its file or its preview (read afresh)."""
    query = (
        sqlmodel.select(StoredFile.id)
        .where(sqlmodel.or_(StoredFile.stored_name == name, StoredFile.preview_name == name))
        .limit(1)
    )
    with session_factory() as session:
        return session.exec(query).first() is not None


#: What ``_judged`` found for a file that had no record when the rows were read.
Verdict = Literal["orphan", "busy", "recorded", "gone"]


@contextlib.contextmanager
def _judged(path: Path, session_factory: SessionFactory) -> Iterator[Verdict]:
    """Judge a file that had no record; for an orphan, its lock is held for the block.

    "busy": its writer is alive (the file is locked). "recorded": its record
    was committed since the rows were read. "gone": someone removed it.
    Holding the lock while checking the records again is what makes
    "orphan" exact: no writer can commit a record for it and let go unseen.
    """
    with _abandoned(path, 0) as free:
        if not free:
            yield "busy" if path.exists() else "gone"
        elif _has_record(path.name, session_factory):
            yield "recorded"
        else:
            yield "orphan"


def scan(store: Store, *, session_factory: SessionFactory = rx.session) -> Report:
    """Compare the stored files with the database; change nothing.

    The rows are read before the files are listed: a record committed before
    the read has its files in place by then (they are published first).
    """
    if isinstance(store, BucketStore):
        report = bucket_check.scan(store, session_factory)
    else:
        assert isinstance(store, LocalStore)
        report = _scan_dir(store.directory, session_factory)
    for path in storage.temp_files(store.staging_dir):
        with _abandoned(path, TEMP_GRACE_S) as free:
            (report.temp_files if free else report.busy_temp_files).append(path.name)
    report.expired_uploads = [
        AbandonedUpload(u.id, u.original_name, u.received, u.length, u.expires_at)
        for u in resumable.expired_uploads(session_factory)
    ]
    report.stray_partials = resumable.stray_partials(store.staging_dir, session_factory)
    return report


def _scan_dir(directory: Path, session_factory: SessionFactory) -> Report:
    report = Report()
    rows = findings.rows(session_factory)
    on_disk = {
        p.name: p
        for p in (directory.iterdir() if directory.is_dir() else [])
        if p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(TEMP_PREFIX)
    }
    for name in sorted(findings.compare(report, rows, set(on_disk))):
        with _judged(on_disk[name], session_factory) as verdict:
            if verdict == "orphan":
                report.orphan_files.append(name)
            elif verdict == "busy":
                report.busy_files.append(name)
    return report


def repair(
    store: Store, report: Report, *, session_factory: SessionFactory = rx.session
) -> Repairs:
    """Fix what ``report`` found: stray files go, records follow their files."""
    done = Repairs()
    gone_ids = [row.id for row in report.missing_files]
    cleared_ids = [row.id for row in report.missing_previews]
    with session_factory() as session:
        if gone_ids:
            session.exec(
                sqlalchemy.delete(StoredFile).where(sqlmodel.col(StoredFile.id).in_(gone_ids))
            )
        if cleared_ids:
            session.exec(
                sqlalchemy.update(StoredFile)
                .where(sqlmodel.col(StoredFile.id).in_(cleared_ids))
                .values(preview_name=None)
            )
        session.commit()
    done.records_deleted = list(report.missing_files)
    done.previews_cleared = list(report.missing_previews)
    # A deleted record's preview has lost its record: it goes with it.
    stray = list(report.orphan_files) + [
        row.preview_name for row in report.missing_files if row.preview_name
    ]
    if isinstance(store, BucketStore):
        bucket_check.repair(store, report, stray, done, session_factory)
    else:
        assert isinstance(store, LocalStore)
        _repair_dir(store.directory, stray, done, session_factory)
    _repair_resumable(store, report, done, session_factory)
    for name in report.temp_files:
        path = store.staging_dir / name
        with _abandoned(path, TEMP_GRACE_S) as free:
            if free:
                path.unlink(missing_ok=True)
                done.temp_removed.append(name)
    return done


def _repair_resumable(
    store: Store, report: Report, done: Repairs, session_factory: SessionFactory
) -> None:
    """Abandoned uploads go, row and partial file; a partial file of no upload goes."""
    staging = store.staging_dir
    still_expired = {u.id for u in resumable.expired_uploads(session_factory)}
    for upload in report.expired_uploads:
        if upload.id in still_expired and resumable.forget(staging, upload.id, session_factory):
            done.resumable_removed.append(upload.id)
    for name in set(report.stray_partials) & set(
        resumable.stray_partials(staging, session_factory)
    ):
        resumable.partial_path(staging, name).unlink(missing_ok=True)
        done.resumable_removed.append(name)


def _repair_dir(
    directory: Path, stray: list[str], done: Repairs, session_factory: SessionFactory
) -> None:
    for name in stray:
        path = directory / name
        with _judged(path, session_factory) as verdict:
            if verdict == "orphan":
                path.unlink()
                done.files_removed.append(name)
