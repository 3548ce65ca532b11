"""Resumable uploads kept where every worker sees them: a row, and a partial file beside it.

A tus upload (tus_app.py speaks the protocol) is a ``ResumableUpload`` row
and a partial file ``.resumable/<id>`` in the staging dir (resumable_files.py
writes it). Bytes are written at their offset into the partial file; only once
they are fsynced does the row's ``received`` move on, with a compare-and-set on
the old value. So the row never claims a byte a crash could lose, and
whichever worker gets the next request, or the same one restarted after a
SIGKILL, resumes from it. Here: the rows, and the partial files' places.
Everything here blocks (database, disk): call it from a thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo import folders, ingest, storage
from upload_demo.models import ResumableUpload
from upload_demo.policy import UploadPolicy

#: The staging dir's sub-directory of partial files (the checks of stored files skip it).
PARTIAL_DIR = ".resumable"

#: Hours an upload nobody sends to stays resumable; after that maintenance removes it.
EXPIRY_SETTING = "UPLOAD_DEMO_RESUMABLE_EXPIRY_HOURS"
DEFAULT_EXPIRY_HOURS = 24.0

_ID = re.compile(r"[0-9a-f]{32}")

#: A partial file this young may have its row committed any moment (creation makes the file
#: first): the grace of the check's temporary files (consistency.TEMP_GRACE_S).
STRAY_GRACE_S = 2.0

#: Opens a database session (the maintenance check may name another database).
SessionFactory = Callable[[], contextlib.AbstractContextManager[sqlmodel.Session]]


def expiry() -> datetime.timedelta:
    """How long an idle upload stays resumable (``UPLOAD_DEMO_RESUMABLE_EXPIRY_HOURS``)."""
    hours = float(os.environ.get(EXPIRY_SETTING, "") or DEFAULT_EXPIRY_HOURS)
    return datetime.timedelta(hours=hours)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def expires_from_now() -> datetime.datetime:
    """When an upload sent to now expires (every confirmed byte pushes it back)."""
    return _now() + expiry()


def is_upload_id(value: str) -> bool:
    """Whether ``value`` could name an upload (so it is safe as a file name)."""
    return _ID.fullmatch(value) is not None


def partial_dir(staging_dir: Path) -> Path:
    """Where partial files live."""
    return staging_dir / PARTIAL_DIR


def partial_path(staging_dir: Path, upload_id: str) -> Path:
    """The partial file of one upload."""
    if not is_upload_id(upload_id):
        raise ValueError(f"not an upload id: {upload_id!r}")
    return partial_dir(staging_dir) / upload_id


@dataclasses.dataclass(frozen=True)
class Upload:
    """A snapshot of one upload's row."""

    id: str
    uploaded_by: str
    source_page: str
    original_name: str
    folder: str
    batch: str
    length: int
    received: int
    created_at: datetime.datetime
    expires_at: datetime.datetime
    finished: bool
    stored: bool
    repeat: bool
    message: str
    stored_name: str

    @property
    def expired(self) -> bool:
        """Abandoned: nobody sent a byte for longer than the expiry, and it never finished."""
        return not self.finished and _aware(self.expires_at) <= _now()


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _snapshot(row: ResumableUpload) -> Upload:
    return Upload(**{field.name: getattr(row, field.name) for field in dataclasses.fields(Upload)})


def create(
    staging_dir: Path,
    policy: UploadPolicy,
    by: str,
    name: str,
    length: int,
    batch: str,
    relative_path: str = "",
) -> Upload:
    """A new upload of ``length`` bytes, within the policy's limits for its batch (Rejected).

    ``relative_path`` is the client's path of the file ("photos/sub/a.png"), of
    which its row keeps the folder.

    Its partial file exists before its row: a crash in between leaves a file
    without a row, which the maintenance check removes, never a row without a file.
    """
    with rx.session() as session:
        session.expire_on_commit = False
        count, total = 0, 0
        if batch:
            count, total = session.exec(
                sqlmodel.select(
                    sqlalchemy.func.count(),
                    sqlalchemy.func.coalesce(sqlalchemy.func.sum(ResumableUpload.length), 0),
                ).where(ResumableUpload.batch == batch, ResumableUpload.uploaded_by == by)
            ).one()
        policy.check_position(count)
        policy.check_declared_size(length, total)
        upload_id = secrets.token_hex(16)
        path = partial_path(staging_dir, upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The mode of every stored file (storage.py): this one becomes one when complete.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        row = ResumableUpload(
            id=upload_id,
            uploaded_by=by,
            source_page=policy.page,
            original_name=ingest.display_name(name),
            folder=folders.folder_of(relative_path),
            batch=batch,
            length=length,
            expires_at=expires_from_now(),
        )
        try:
            session.add(row)
            session.commit()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _snapshot(row)


def find(upload_id: str) -> Upload | None:
    """The upload's row as it is now."""
    if not is_upload_id(upload_id):
        return None
    with rx.session() as session:
        row = session.get(ResumableUpload, upload_id)
        return _snapshot(row) if row is not None else None


def unfinished_of(uploaded_by: str, page: str) -> list[Upload]:
    """Someone's uploads that can still be resumed from ``page``, most recent first."""
    query = (
        sqlmodel.select(ResumableUpload)
        .where(
            ResumableUpload.uploaded_by == uploaded_by,
            ResumableUpload.source_page == page,
            sqlmodel.col(ResumableUpload.finished).is_(False),
            ResumableUpload.expires_at > _now(),
        )
        .order_by(sqlmodel.col(ResumableUpload.created_at).desc())
        .limit(20)
    )
    with rx.session() as session:
        return [_snapshot(row) for row in session.exec(query)]


def advance(upload_id: str, old: int, new: int) -> bool:
    """Move ``received`` from ``old`` to ``new`` (and push the expiry back).

    False if ``received`` was no longer ``old``.

    False also when the upload was terminated meanwhile: its writer then stops.
    """
    with rx.session() as session:
        result = session.exec(
            sqlalchemy.update(ResumableUpload)
            .where(
                sqlmodel.col(ResumableUpload.id) == upload_id,
                sqlmodel.col(ResumableUpload.received) == old,
                sqlmodel.col(ResumableUpload.finished).is_(False),
            )
            .values(received=new, expires_at=expires_from_now())
        )
        session.commit()
        return result.rowcount == 1


def forget(staging_dir: Path, upload_id: str, session_factory: SessionFactory = rx.session) -> bool:
    """Terminate an upload: its row and its partial file go at once. False if it had no row.

    A writer still at work on it finds its next ``advance`` refused and stops.
    """
    with session_factory() as session:
        result = session.exec(
            sqlalchemy.delete(ResumableUpload).where(sqlmodel.col(ResumableUpload.id) == upload_id)
        )
        session.commit()
    partial_path(staging_dir, upload_id).unlink(missing_ok=True)
    return result.rowcount == 1


def expired_uploads(session_factory: SessionFactory = rx.session) -> list[Upload]:
    """Uploads abandoned past their expiry (the maintenance check lists them)."""
    query = sqlmodel.select(ResumableUpload).where(
        sqlmodel.col(ResumableUpload.finished).is_(False), ResumableUpload.expires_at <= _now()
    )
    with session_factory() as session:
        return [_snapshot(row) for row in session.exec(query)]


def stray_partials(staging_dir: Path, session_factory: SessionFactory = rx.session) -> list[str]:
    """Partial files without a row and without a writer (a crash between file and row).

    A file younger than ``STRAY_GRACE_S`` may be one whose row is being committed.
    """
    directory = partial_dir(staging_dir)
    if not directory.is_dir():
        return []
    names = sorted(p.name for p in directory.iterdir() if is_upload_id(p.name))
    with session_factory() as session:
        known = set(
            session.exec(
                sqlmodel.select(ResumableUpload.id).where(
                    sqlmodel.col(ResumableUpload.id).in_(names)
                )
            )
        )
    stray = []
    for name in set(names) - known:
        path = directory / name
        try:
            young = time.time() - path.stat().st_mtime < STRAY_GRACE_S
        except FileNotFoundError:
            continue
        if not young:
            with storage.claim(path) as free:
                if free:
                    stray.append(name)
    return sorted(stray)
