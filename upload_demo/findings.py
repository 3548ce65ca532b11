"""What a consistency check found and what its repair did, on any Store.

Shared by the local dir's judgements (consistency.py) and a bucket's
(bucket_check.py): the records as the check read them, and the comparison
of those records with the names a listing found.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import Callable
from typing import cast

import sqlmodel

from upload_demo.bucket import PartialUpload
from upload_demo.models import StoredFile

#: A repair that would delete every record, when there are at least this many, needs --force.
SUSPICIOUS_LOSS = 3


@dataclasses.dataclass(frozen=True)
class Row:
    """The columns of a StoredFile the check needs."""

    id: int
    stored_name: str
    preview_name: str | None
    original_name: str


@dataclasses.dataclass(frozen=True)
class AbandonedUpload:
    """A resumable upload nobody sent to before its expiry (resumable.py)."""

    id: str
    name: str
    received: int
    length: int
    expires_at: datetime.datetime


@dataclasses.dataclass
class Report:
    """What a check found. Lists of stored names (files or objects) and rows."""

    #: How many records the database holds.
    records: int = 0

    orphan_files: list[str] = dataclasses.field(default_factory=list)
    missing_files: list[Row] = dataclasses.field(default_factory=list)
    missing_previews: list[Row] = dataclasses.field(default_factory=list)
    temp_files: list[str] = dataclasses.field(default_factory=list)
    #: A bucket's multipart uploads whose writer is gone, and leases of writers gone before
    #: their first byte.
    partial_uploads: list[PartialUpload] = dataclasses.field(default_factory=list)
    stale_leases: list[str] = dataclasses.field(default_factory=list)
    #: Resumable uploads past their expiry, and partial files of no upload (a crash
    #: between the file and its row).
    expired_uploads: list[AbandonedUpload] = dataclasses.field(default_factory=list)
    stray_partials: list[str] = dataclasses.field(default_factory=list)
    #: Not problems: temporary files being written, files whose record is being committed,
    #: multipart uploads running.
    busy_temp_files: list[str] = dataclasses.field(default_factory=list)
    busy_files: list[str] = dataclasses.field(default_factory=list)
    busy_partial_uploads: list[PartialUpload] = dataclasses.field(default_factory=list)

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
            + len(self.partial_uploads)
            + len(self.stale_leases)
            + len(self.expired_uploads)
            + len(self.stray_partials)
        )


@dataclasses.dataclass
class Repairs:
    """What a repair did."""

    files_removed: list[str] = dataclasses.field(default_factory=list)
    temp_removed: list[str] = dataclasses.field(default_factory=list)
    uploads_aborted: list[PartialUpload] = dataclasses.field(default_factory=list)
    leases_dropped: list[str] = dataclasses.field(default_factory=list)
    records_deleted: list[Row] = dataclasses.field(default_factory=list)
    previews_cleared: list[Row] = dataclasses.field(default_factory=list)
    resumable_removed: list[str] = dataclasses.field(default_factory=list)


#: Opens a database session; the app's configured database unless told otherwise.
SessionFactory = Callable[[], contextlib.AbstractContextManager[sqlmodel.Session]]


def rows(session_factory: SessionFactory) -> list[Row]:
    """Every record, as the check needs it."""
    query = sqlmodel.select(
        StoredFile.id, StoredFile.stored_name, StoredFile.preview_name, StoredFile.original_name
    )
    with session_factory() as session:
        # Read from the table, every id is set (the model's `int | None` is for unsaved rows).
        return [Row(*cast("tuple[int, str, str | None, str]", row)) for row in session.exec(query)]


def compare(report: Report, rows: list[Row], stored: set[str]) -> set[str]:
    """Note the rows whose file or preview is not in ``stored``; return the unreferenced names."""
    report.records = len(rows)
    referenced: set[str] = set()
    for row in rows:
        referenced.add(row.stored_name)
        if row.preview_name:
            referenced.add(row.preview_name)
        if row.stored_name not in stored:
            report.missing_files.append(row)
        elif row.preview_name and row.preview_name not in stored:
            report.missing_previews.append(row)
    return stored - referenced
