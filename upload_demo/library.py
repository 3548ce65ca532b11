"""The library's rows: filtered, sorted and paged by keyset; its totals kept, not counted.

Blocking (database I/O): call from a thread. Why keyset pages: ``OFFSET n`` makes the
database walk and drop n rows, so the last of a million rows costs a million. A page
that starts after the last row shown (its sort key and id, a ``Cursor``) is one seek
into the index that holds the filter and the sort (``models.StoredFile``'s indexes,
each ending in id, the tie-breaker), then ``size`` rows, at any depth. The last page
is the same seek from the other end (order reversed, rows turned back); with an exact
count it holds the remainder, so going back from it meets the pages going forward.
The price is that page 37 cannot be jumped to: the pager is first / previous / next /
last. A page number alone (an old link) still works, by OFFSET, the one read whose
cost grows with its depth; the pager never asks for one.

Why kept totals: COUNT + SUM over every matching row grows with the table. The
triggers behind ``models.FileTotal`` keep count and bytes per (kind, page), so any
kind or page filter's totals are a sum over a few dozen rows. A search (a substring
of the folder and name) cannot be kept: its matches are counted up to
``SEARCH_COUNT_LIMIT``, past which the page says "more than" that many, with no byte
total it would have to guess, and its page count is unknown.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo.keyset import (
    DEFAULT_SORT,
    FIRST,
    LAST,
    SORTS,
    At,
    Cursor,
    Sort,
    after,
    before,
    page_number,
)
from upload_demo.models import FileTotal, StoredFile, fold_name

__all__ = [
    "DEFAULT_SORT",
    "FIRST",
    "LAST",
    "SEARCH_COUNT_LIMIT",
    "SORTS",
    "At",
    "Cursor",
    "LibraryFilter",
    "LibraryPage",
    "Sort",
    "after",
    "before",
    "library_page",
    "like_pattern",
    "page_number",
    "rows_query",
    "seek_query",
]

#: A search counts its matches up to this many (four pages and a bit); past it the library
#: says "more than 100": a person refines a search that broad rather than pages through
#: it. Counting costs about this many matches' worth of rows, whatever the table's size.
SEARCH_COUNT_LIMIT = 100


@dataclasses.dataclass(frozen=True)
class LibraryFilter:
    """Which rows the library shows; empty strings mean "any"."""

    kind: str = ""
    page: str = ""
    search: str = ""
    #: An account name, "anonymous", "unknown" or "drop link" (StoredFile.uploaded_by).
    uploader: str = ""

    @property
    def kept_totals(self) -> bool:
        """Whether ``FileTotal`` holds this filter's totals (it counts per kind and page only)."""
        return not self.search and not self.uploader


@dataclasses.dataclass(frozen=True)
class LibraryPage:
    """One page of the library, where it is, and the totals of what the filter matches."""

    rows: list[StoredFile]
    #: The page served: a "before" that reached the start is the first page, an "after"
    #: past the end the last, a number past the end the last.
    at: At
    has_previous: bool
    has_next: bool
    #: Exact unless ``matching_exact`` is False (a search past SEARCH_COUNT_LIMIT): then
    #: "more than ``matching``", and bytes and page count are unknown (None).
    matching: int
    matching_exact: bool
    matching_bytes: int | None
    page_count: int | None
    #: 1-based, when the position says it (first, number, last of an exact count); the
    #: caller counts pages reached by cursor from where it was.
    number: int | None
    #: Cursors at the first and last row shown (None when there are no rows).
    start: Cursor | None
    end: Cursor | None


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
    if where.uploader:
        conditions.append(StoredFile.uploaded_by == where.uploader)
    if where.search:
        pattern = like_pattern(fold_name(where.search))
        conditions.append(_path_key().like(pattern, escape="\\"))
    return conditions


def _path_key() -> Any:
    """What a search matches: the folded folder and name, "photos/sub/a.png" (or "a.png")."""
    name, folder = sqlmodel.col(StoredFile.name_key), sqlmodel.col(StoredFile.folder_key)
    return sqlalchemy.case((folder == "", name), else_=folder + "/" + name)


def _sort(sort: str) -> Sort:
    """The Sort named ``sort``; an unknown key (a hand-edited URL) means newest first."""
    return SORTS.get(sort, SORTS[DEFAULT_SORT])


def _ordered(query: Any, sort: Sort, *, reverse: bool = False) -> Any:
    key, row_id = getattr(StoredFile, sort.column), sqlmodel.col(StoredFile.id)
    if sort.descending != reverse:
        return query.order_by(key.desc(), row_id.desc())
    return query.order_by(key.asc(), row_id.asc())


def rows_query(where: LibraryFilter, sort: str = DEFAULT_SORT) -> Any:
    """The matching rows in ``sort`` order, unpaged."""
    return _ordered(sqlmodel.select(StoredFile).where(*_conditions(where)), _sort(sort))


def seek_query(
    where: LibraryFilter,
    sort: str = DEFAULT_SORT,
    cursor: Cursor | None = None,
    *,
    reverse: bool = False,
    limit: int = 24,
) -> Any:
    """Rows past ``cursor`` (from the start without one) in ``sort``, or back from the end.

    The row value ``(key, id) > (cursor)`` is one range of the (filter, key, id)
    index on both SQLite and PostgreSQL.
    """
    chosen = _sort(sort)
    query = sqlmodel.select(StoredFile).where(*_conditions(where))
    if cursor is not None:
        here = sqlalchemy.tuple_(getattr(StoredFile, chosen.column), sqlmodel.col(StoredFile.id))
        there = (cursor.key, cursor.id)
        query = query.where(here < there if chosen.descending != reverse else here > there)
    return _ordered(query, chosen, reverse=reverse).limit(limit)


def _kept(session: sqlmodel.Session, where: LibraryFilter) -> tuple[int, int]:
    """(count, bytes) of a kind and page filter, summed from the kept totals."""
    query = sqlmodel.select(
        sqlmodel.func.coalesce(sqlmodel.func.sum(FileTotal.files), 0),
        sqlmodel.func.coalesce(sqlmodel.func.sum(FileTotal.bytes), 0),
    )
    if where.kind:
        query = query.where(FileTotal.kind == where.kind)
    if where.page:
        query = query.where(FileTotal.source_page == where.page)
    files, size = session.exec(query).one()
    return int(files), int(size)


def _counted(session: sqlmodel.Session, where: LibraryFilter) -> tuple[int, bool, int | None]:
    """(count, exact, bytes) of a search: counted up to SEARCH_COUNT_LIMIT, then "more".

    It reads sizes, which no index holds, so the database scans the table in
    storage order, where matches are spread as uploads came: an index of names
    would hold them together, and reach a common word only after every name
    before it in the alphabet.
    """
    sizes = (
        sqlmodel.select(StoredFile.size)
        .where(*_conditions(where))
        .limit(SEARCH_COUNT_LIMIT + 1)
        .subquery()
    )
    total = sqlmodel.func.coalesce(sqlmodel.func.sum(sizes.c.size), 0)
    count, size = session.exec(sqlmodel.select(sqlmodel.func.count(), total)).one()
    if count > SEARCH_COUNT_LIMIT:
        return SEARCH_COUNT_LIMIT, False, None
    return int(count), True, int(size)


@dataclasses.dataclass(frozen=True)
class _Window:
    rows: list[StoredFile]
    at: At
    has_previous: bool
    has_next: bool


def _window(
    session: sqlmodel.Session, where: LibraryFilter, sort: str, at: At, size: int, count: int | None
) -> _Window:
    """The rows of page ``at``; ``count`` is the exact number of matches, if known."""

    def fetch(cursor: Cursor | None, *, reverse: bool, limit: int, offset: int = 0) -> list[Any]:
        query = seek_query(where, sort, cursor, reverse=reverse, limit=limit).offset(offset)
        return list(session.exec(query).all())

    pages = None if count is None else max(1, -(-count // size))
    if at.where == "number" and (at.number <= 1 or (pages is not None and at.number >= pages)):
        at = FIRST if at.number <= 1 else LAST
    if at.where == "first" or (at.where in ("after", "before") and at.cursor is None):
        rows = fetch(None, reverse=False, limit=size + 1)
        return _Window(rows[:size], FIRST, False, len(rows) > size)
    if at.where == "last":
        # With an exact count the last page holds the remainder, as counted from the first.
        tail = count - (pages - 1) * size if count and pages else size
        rows = fetch(None, reverse=True, limit=tail + 1)
        return _Window(rows[:tail][::-1], LAST, len(rows) > tail, False)
    if at.where == "number":
        rows = fetch(None, reverse=False, limit=size + 1, offset=(at.number - 1) * size)
        if not rows:
            return _window(session, where, sort, LAST, size, count)
        return _Window(rows[:size], at, True, len(rows) > size)
    if at.where == "after":
        rows = fetch(at.cursor, reverse=False, limit=size + 1)
        if not rows:  # everything after it went: the end is the last page
            return _window(session, where, sort, LAST, size, count)
        return _Window(rows[:size], at, True, len(rows) > size)
    rows = fetch(at.cursor, reverse=True, limit=size + 1)
    if len(rows) <= size:  # the start is within reach: that is the first page, full
        return _window(session, where, sort, FIRST, size, count)
    return _Window(rows[:size][::-1], at, True, True)


def library_page(
    where: LibraryFilter, sort: str = DEFAULT_SORT, at: At = FIRST, size: int = 24
) -> LibraryPage:
    """Page ``at`` of the rows ``where`` matches in ``sort`` order, and their totals.

    An unknown sort key falls back to newest first. A cursor past the end gives
    the last page and one before the start the first: a stale link still shows rows.
    """
    chosen = _sort(sort)
    with rx.session() as session:
        if where.kept_totals:
            matching, matching_bytes = _kept(session, where)
            exact = True
            window = _window(session, where, sort, at, size, matching)
        elif at.where in ("last", "number"):  # where the end is depends on the count
            matching, exact, matching_bytes = _counted(session, where)
            window = _window(session, where, sort, at, size, matching if exact else None)
        else:
            window = _window(session, where, sort, at, size, None)
            if window.at == FIRST and not window.has_next:  # every match is on this page
                matching, exact = len(window.rows), True
                matching_bytes = sum(row.size for row in window.rows)
            else:
                matching, exact, matching_bytes = _counted(session, where)
    page_count = max(1, -(-matching // size)) if exact else None
    number = {"first": 1, "last": page_count, "number": window.at.number}.get(window.at.where)
    rows = window.rows
    return LibraryPage(
        rows=rows,
        at=window.at,
        has_previous=window.has_previous,
        has_next=window.has_next,
        matching=matching,
        matching_exact=exact,
        matching_bytes=matching_bytes,
        page_count=page_count,
        number=number,
        start=Cursor.of(rows[0], chosen) if rows else None,
        end=Cursor.of(rows[-1], chosen) if rows else None,
    )
