"""Reading and writing StoredFile rows. Blocking (database I/O): call from a thread."""

from __future__ import annotations

from pathlib import Path

import reflex as rx
import sqlmodel

from upload_demo import storage
from upload_demo.models import StoredFile


def commit_or_discard(record: StoredFile, directory: Path) -> StoredFile:
    """Commit a row for a file already in place; if that fails, remove the file.

    This is the second half of "a file and its record exist together or not
    at all": storage put the file down first, so a crash before this commit
    leaves an orphan file (which the maintenance check reports), never a row
    pointing at nothing.
    """
    try:
        with rx.session() as session:
            session.add(record)
            session.commit()
            session.refresh(record)
            session.expunge(record)
    except BaseException:
        storage.delete(directory, record.stored_name)
        raise
    return record


def newest(page: str | None = None, limit: int = 60) -> list[StoredFile]:
    """The most recent stored files, newest first, optionally from one page."""
    query = sqlmodel.select(StoredFile)
    if page is not None:
        query = query.where(StoredFile.source_page == page)
    query = query.order_by(StoredFile.created_at.desc(), StoredFile.id.desc()).limit(limit)
    with rx.session() as session:
        return list(session.exec(query).all())


def totals(page: str | None = None) -> tuple[int, int]:
    """How many files are stored, and how many bytes they take."""
    query = sqlmodel.select(
        sqlmodel.func.count(StoredFile.id),
        sqlmodel.func.coalesce(sqlmodel.func.sum(StoredFile.size), 0),
    )
    if page is not None:
        query = query.where(StoredFile.source_page == page)
    with rx.session() as session:
        count, size = session.exec(query).one()
    return int(count), int(size)


def totals_by_page() -> dict[str, tuple[int, int]]:
    """Per source page: file count and bytes."""
    query = sqlmodel.select(
        StoredFile.source_page,
        sqlmodel.func.count(StoredFile.id),
        sqlmodel.func.sum(StoredFile.size),
    ).group_by(StoredFile.source_page)
    with rx.session() as session:
        return {page: (int(n), int(b or 0)) for page, n, b in session.exec(query).all()}
