"""Reading and writing StoredFile rows. Blocking (database I/O): call from a thread.

Every query of the app is here: the commit that owns a stored file, repeats
of stored bytes, the pages' newest files, the totals, the library's filtered,
sorted and paged rows, and delete.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx
import sqlmodel

from upload_demo import leases
from upload_demo.models import StoredFile, fold_name
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


def _count_and_bytes(*keys: Any) -> Any:
    """``SELECT *keys, count, total size``: the one totals query, to filter or group."""
    # sqlmodel.select's overloads count their columns; a *keys call is the same SELECT.
    return sqlmodel.select(  # pyright: ignore[reportCallIssue]
        *keys,
        sqlmodel.func.count(sqlmodel.col(StoredFile.id)),
        sqlmodel.func.coalesce(sqlmodel.func.sum(StoredFile.size), 0),
    )


def totals(page: str | None = None) -> tuple[int, int]:
    """How many files are stored, and how many bytes they take."""
    query = _count_and_bytes()
    if page is not None:
        query = query.where(StoredFile.source_page == page)
    with rx.session() as session:
        count, size = session.exec(query).one()
    return int(count), int(size)


def totals_by_page() -> dict[str, tuple[int, int]]:
    """Per source page: file count and bytes."""
    query = _count_and_bytes(StoredFile.source_page).group_by(StoredFile.source_page)
    with rx.session() as session:
        return {page: (int(n), int(b)) for page, n, b in session.exec(query).all()}


# --- the library: filtered, sorted, paginated in the database ----------------

#: Sort keys the library offers, each with a tie-breaker on id so pages never overlap.
#: Names sort and match by their folded form (models.fold_name, an indexed column), so
#: every database orders "Äpfel" and "apfel" the same way.
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (sqlmodel.col(StoredFile.created_at).desc(), sqlmodel.col(StoredFile.id).desc()),
    "oldest": (sqlmodel.col(StoredFile.created_at).asc(), sqlmodel.col(StoredFile.id).asc()),
    "largest": (sqlmodel.col(StoredFile.size).desc(), sqlmodel.col(StoredFile.id).desc()),
    "smallest": (sqlmodel.col(StoredFile.size).asc(), sqlmodel.col(StoredFile.id).asc()),
    "name": (sqlmodel.col(StoredFile.name_key).asc(), sqlmodel.col(StoredFile.id).asc()),
    "name-desc": (sqlmodel.col(StoredFile.name_key).desc(), sqlmodel.col(StoredFile.id).desc()),
}

DEFAULT_SORT = "newest"


@dataclasses.dataclass(frozen=True)
class LibraryFilter:
    """Which rows the library shows; empty strings mean "any"."""

    kind: str = ""
    page: str = ""
    search: str = ""


@dataclasses.dataclass(frozen=True)
class LibraryPage:
    """One page of the library, and the totals of everything the filter matches."""

    rows: list[StoredFile]
    #: 1-based, clamped to the pages that exist (a deleted last row moves you back one).
    number: int
    page_count: int
    matching: int
    matching_bytes: int


def like_pattern(text: str) -> str:
    r"""A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(where: LibraryFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.kind:
        conditions.append(StoredFile.kind == where.kind)
    if where.page:
        conditions.append(StoredFile.source_page == where.page)
    if where.search:
        pattern = like_pattern(fold_name(where.search))
        conditions.append(sqlmodel.col(StoredFile.name_key).like(pattern, escape="\\"))
    return conditions


def rows_query(where: LibraryFilter, sort: str = DEFAULT_SORT) -> Any:
    """The matching rows in ``sort`` order (an unknown key means newest first), unpaged."""
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return sqlmodel.select(StoredFile).where(*_conditions(where)).order_by(*order)


def library_page(
    where: LibraryFilter, sort: str = DEFAULT_SORT, number: int = 1, size: int = 24
) -> LibraryPage:
    """One page of matching rows (LIMIT/OFFSET in the database) and the filter's totals.

    An unknown sort key falls back to newest first; ``number`` is clamped to
    ``1..page_count``, so a stale page number from a URL still shows rows.
    """
    totals_query = _count_and_bytes().where(*_conditions(where))
    with rx.session() as session:
        matching, matching_bytes = session.exec(totals_query).one()
        page_count = max(1, -(-int(matching) // size))
        number = min(max(1, number), page_count)
        query = rows_query(where, sort).offset((number - 1) * size).limit(size)
        rows = list(session.exec(query).all())
    return LibraryPage(
        rows=rows,
        number=number,
        page_count=page_count,
        matching=int(matching),
        matching_bytes=int(matching_bytes),
    )


def facets() -> tuple[list[str], list[str]]:
    """The kinds and the source pages that have stored files, for the library's filters."""
    with rx.session() as session:
        kinds = session.exec(sqlmodel.select(StoredFile.kind).distinct()).all()
        pages = session.exec(sqlmodel.select(StoredFile.source_page).distinct()).all()
    return sorted(kinds), sorted(pages)


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
