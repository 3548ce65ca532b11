"""Reading and writing StoredFile rows. Blocking (database I/O): call from a thread.

Every query of the app but the library's pages (upload_demo/library.py) is
here: the commit that owns a stored file, repeats of stored bytes, the pages'
newest files, the totals and facets (read from ``filetotal``, which triggers
keep, so no page view counts every row), and delete.
"""

from __future__ import annotations

import logging

import reflex as rx
import sqlmodel

from upload_demo import leases
from upload_demo.models import (
    ANONYMOUS,
    UNKNOWN,
    VIA_DROP_LINK,
    Account,
    FileTotal,
    StoredFile,
)
from upload_demo.stores import Store

logger = logging.getLogger(__name__)


def commit_or_discard(
    record: StoredFile, store: Store, lease: leases.Lease | None = None
) -> StoredFile:
    """Commit the row of a file (and its preview) already in place; if that fails, remove them.

    Storage publishes the files before this commit, so a crash in between
    leaves files without a record (their writer's lock or lease is gone, and
    the maintenance check reports them), never a record without its file. A
    bucket upload's lease is dropped in this same transaction: a lease or the
    record names the objects at every instant, and a lease lost to a repair
    fails the commit. Only
    adding and committing can discard the files: once the commit succeeded
    they belong to the row, whatever fails afterwards. The row is not read
    back (its values stay loaded and the INSERT returned its id), so no query
    after the commit can fail, say on a database locked by another writer.
    """
    session = rx.session()
    session.expire_on_commit = False
    try:
        session.add(record)
        if lease is not None:
            leases.release_in(session, lease)
        session.commit()
    except BaseException:
        try:
            for name in (record.stored_name, record.preview_name):
                if name:
                    store.delete(name)
        finally:
            session.close()
        raise
    try:
        session.close()
    except Exception:
        logger.exception("row %s is committed, but closing its session failed", record.id)
    return record


def newest(page: str | None = None, limit: int = 60) -> list[StoredFile]:
    """The most recent stored files, newest first, optionally from one page."""
    query = sqlmodel.select(StoredFile)
    if page is not None:
        query = query.where(StoredFile.source_page == page)
    query = query.order_by(
        sqlmodel.col(StoredFile.created_at).desc(), sqlmodel.col(StoredFile.id).desc()
    ).limit(limit)
    with rx.session() as session:
        return list(session.exec(query).all())


def stored_with(sha256: str) -> StoredFile | None:
    """The stored file whose content has this SHA-256, if any: an upload of it is a repeat.

    The lookup lets ingest skip all work on a repeat; the UNIQUE constraint on
    ``sha256`` is what guarantees the same bytes are stored once when two
    uploads of them race.
    """
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.sha256 == sha256)
        return session.exec(query).first()


def totals(page: str | None = None) -> tuple[int, int]:
    """How many files are stored, and how many bytes they take (kept totals, no scan)."""
    query = sqlmodel.select(
        sqlmodel.func.coalesce(sqlmodel.func.sum(FileTotal.files), 0),
        sqlmodel.func.coalesce(sqlmodel.func.sum(FileTotal.bytes), 0),
    )
    if page is not None:
        query = query.where(FileTotal.source_page == page)
    with rx.session() as session:
        count, size = session.exec(query).one()
    return int(count), int(size)


def totals_by_page() -> dict[str, tuple[int, int]]:
    """Per source page: file count and bytes."""
    by_page: dict[str, tuple[int, int]] = {}
    with rx.session() as session:
        for row in session.exec(sqlmodel.select(FileTotal)).all():
            count, size = by_page.get(row.source_page, (0, 0))
            by_page[row.source_page] = (count + row.files, size + row.bytes)
    return by_page


def facets() -> tuple[list[str], list[str]]:
    """The kinds and the source pages that have stored files, for the library's filters."""
    with rx.session() as session:
        kept = session.exec(sqlmodel.select(FileTotal.kind, FileTotal.source_page)).all()
    return sorted({kind for kind, _ in kept}), sorted({page for _, page in kept})


def uploaders() -> list[str]:
    """Who has stored files (accounts, then "anonymous", "unknown", "drop link"), for a filter.

    One indexed EXISTS per candidate (ix_storedfile_uploaded_by_*), never a scan of
    ``storedfile``: a DISTINCT over it would read every row's index entry.
    """
    with rx.session() as session:
        names = list(session.exec(sqlmodel.select(Account.name).order_by(Account.name)).all())
        candidates = [*names, ANONYMOUS, UNKNOWN, VIA_DROP_LINK]
        return [
            name
            for name in candidates
            if session.exec(
                sqlmodel.select(StoredFile.id).where(StoredFile.uploaded_by == name).limit(1)
            ).first()
            is not None
        ]


def get(file_id: int) -> StoredFile | None:
    """One row by id, detached from its session (safe to read after it closes)."""
    with rx.session() as session:
        record = session.get(StoredFile, file_id)
        if record is not None:
            session.expunge(record)
        return record


def delete(file_id: int, store: Store) -> StoredFile | None:
    """Remove a stored file, its preview and its row; None if there was no such row.

    The row goes first, in its own committed transaction, then the files. A
    crash (or a failing unlink) between the two leaves files without a record:
    invisible to every page, reported and repaired by the maintenance check.
    The other order could leave a listed record pointing at nothing, and a
    failed commit after the files went would have destroyed data the database
    still claims to have. If the commit fails, nothing has changed.
    """
    with rx.session() as session:
        record = session.get(StoredFile, file_id)
        if record is None:
            return None
        gone = StoredFile.model_validate(record.model_dump())
        session.delete(record)
        session.commit()
    for name in (gone.stored_name, gone.preview_name):
        if not name:
            continue
        try:
            store.delete(name)
        except Exception:
            logger.exception("row %s deleted but its file %r was not removed", file_id, name)
    return gone
