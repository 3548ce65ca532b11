"""Do the upload dir and the database agree? Find out (``scan``), and fix it (``repair``).

``scan`` lists files without a record, records without their file (or
without their preview), and temporary files a crash left behind; ``repair``
removes the stray files, deletes the records whose file is gone and clears a
missing preview. The command around them is maintenance.py; the app calls
``remove_leftover_temp_files`` when it starts.

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
import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, cast

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo import storage
from upload_demo.models import StoredFile
from upload_demo.storage import TEMP_PREFIX

#: A temporary file changed this recently may be one a writer has only just created.
TEMP_GRACE_S = 2.0

#: A repair that would delete every record, when there are at least this many, needs --force.
SUSPICIOUS_LOSS = 3

#: Names in the upload dir that are not uploads.
IGNORED_NAMES = frozenset({".gitkeep"})


@dataclasses.dataclass(frozen=True)
class Row:
    """The columns of a StoredFile the check needs."""

    id: int
    stored_name: str
    preview_name: str | None
    original_name: str


@dataclasses.dataclass
class Report:
    """What a check found. Lists of file names (in the upload dir) and rows."""

    #: How many records the database holds.
    records: int = 0

    orphan_files: list[str] = dataclasses.field(default_factory=list)
    missing_files: list[Row] = dataclasses.field(default_factory=list)
    missing_previews: list[Row] = dataclasses.field(default_factory=list)
    temp_files: list[str] = dataclasses.field(default_factory=list)
    #: Not problems: temporary files being written, and files whose record is being committed.
    busy_temp_files: list[str] = dataclasses.field(default_factory=list)
    busy_files: list[str] = dataclasses.field(default_factory=list)

    @property
    def all_records_missing(self) -> bool:
        """Every record lost its file: more likely a wrong upload dir than a real loss."""
        return self.records >= SUSPICIOUS_LOSS and len(self.missing_files) == self.records

    @property
    def problems(self) -> int:
        """How many things are wrong."""
        return (
            len(self.orphan_files)
            + len(self.missing_files)
            + len(self.missing_previews)
            + len(self.temp_files)
        )


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


#: Opens a database session; the app's configured database unless told otherwise.
SessionFactory = Callable[[], contextlib.AbstractContextManager[sqlmodel.Session]]


def _rows(session_factory: SessionFactory) -> list[Row]:
    query = sqlmodel.select(
        StoredFile.id, StoredFile.stored_name, StoredFile.preview_name, StoredFile.original_name
    )
    with session_factory() as session:
        # Read from the table, every id is set (the model's `int | None` is for unsaved rows).
        return [Row(*cast("tuple[int, str, str | None, str]", row)) for row in session.exec(query)]


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


def scan(directory: Path, *, session_factory: SessionFactory = rx.session) -> Report:
    """Compare the upload dir with the database; change nothing.

    The rows are read before the directory is listed: a record committed
    before the read has its files in place by then (they are published first).
    """
    report = Report()
    rows = _rows(session_factory)
    on_disk = {
        p.name: p
        for p in (directory.iterdir() if directory.is_dir() else [])
        if p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(TEMP_PREFIX)
    }
    report.records = len(rows)
    referenced: set[str] = set()
    for row in rows:
        referenced.add(row.stored_name)
        if row.preview_name:
            referenced.add(row.preview_name)
        if row.stored_name not in on_disk:
            report.missing_files.append(row)
        elif row.preview_name and row.preview_name not in on_disk:
            report.missing_previews.append(row)
    for name in sorted(set(on_disk) - referenced):
        with _judged(on_disk[name], session_factory) as verdict:
            if verdict == "orphan":
                report.orphan_files.append(name)
            elif verdict == "busy":
                report.busy_files.append(name)
    for path in storage.temp_files(directory):
        with _abandoned(path, TEMP_GRACE_S) as free:
            (report.temp_files if free else report.busy_temp_files).append(path.name)
    return report


@dataclasses.dataclass
class Repairs:
    """What a repair did."""

    files_removed: list[str] = dataclasses.field(default_factory=list)
    temp_removed: list[str] = dataclasses.field(default_factory=list)
    records_deleted: list[Row] = dataclasses.field(default_factory=list)
    previews_cleared: list[Row] = dataclasses.field(default_factory=list)


def repair(
    directory: Path, report: Report, *, session_factory: SessionFactory = rx.session
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
    for name in stray:
        path = directory / name
        with _judged(path, session_factory) as verdict:
            if verdict == "orphan":
                path.unlink()
                done.files_removed.append(name)
    for name in report.temp_files:
        with _abandoned(directory / name, TEMP_GRACE_S) as free:
            if free:
                (directory / name).unlink(missing_ok=True)
                done.temp_removed.append(name)
    return done
