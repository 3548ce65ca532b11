"""The library's page views at 1k, 100k and 1M rows, on SQLite and on PostgreSQL.

A view is what the page's State reads for one screen: ``library.library_page``
plus the facets and the overall totals. Every round times every case on every
size in turn (median of the rounds, after a warm-up one), each reported as a
ratio to the same case at 1k rows: the target is at most 2× at 1M. The design before keyset
pages (COUNT + SUM of every match, LIMIT/OFFSET, DISTINCT facets) is timed on
the same data for comparison. PostgreSQL runs when ``make services`` has
written its env file (or ``UPLOAD_DEMO_TEST_PG_URL`` is set), in a scratch
database of its own, dropped at the end; SQLite in a scratch file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import reflex as rx
import sqlalchemy
import sqlalchemy.exc
import sqlmodel

from benchmarks import library_data
from benchmarks.registry import Options, Result, benchmark, time_runs
from upload_demo import library, records
from upload_demo.library import FIRST, LAST, LibraryFilter
from upload_demo.models import StoredFile
from upload_demo.reflex_internals import reload_config

SIZES = (1_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
PAGE = 24


def _view(where: LibraryFilter, sort: str, at: library.At) -> object:
    """One screen of the library, as LibraryState._refresh reads it (here one after another)."""
    return library.library_page(where, sort, at, PAGE), records.facets(), records.totals()


def _before(where: LibraryFilter, *, last: bool) -> object:
    """The same screen as the library read it before: COUNT + SUM, OFFSET, DISTINCT."""

    def count_and_bytes(*conditions: Any) -> Any:
        return sqlmodel.select(
            sqlmodel.func.count(), sqlmodel.func.coalesce(sqlmodel.func.sum(StoredFile.size), 0)
        ).where(*conditions)

    with rx.session() as session:
        matching, _ = session.exec(count_and_bytes(*library._conditions(where))).one()
        offset = (max(1, -(-int(matching) // PAGE)) - 1) * PAGE if last else 0
        rows = session.exec(library.rows_query(where).offset(offset).limit(PAGE)).all()
        kinds = session.exec(sqlmodel.select(StoredFile.kind).distinct()).all()
        pages = session.exec(sqlmodel.select(StoredFile.source_page).distinct()).all()
        totals = session.exec(count_and_bytes()).one()
    return rows, kinds, pages, totals


def _halfway(sort: str) -> library.Cursor:
    """The cursor at the middle row of ``sort`` (found once, by OFFSET, outside the timing)."""
    with rx.session() as session:
        count = records.totals()[0]
        (row,) = session.exec(library.rows_query(LibraryFilter(), sort).offset(count // 2).limit(1))
    return library.Cursor.of(row, library.SORTS[sort])


def _cases() -> dict[str, Callable[[], object]]:
    halfway = _halfway("name")
    return {
        "first page": lambda: _view(LibraryFilter(), "newest", FIRST),
        "search": lambda: _view(LibraryFilter(search=library_data.COMMON_SEARCH), "newest", FIRST),
        "last page": lambda: _view(LibraryFilter(), "newest", LAST),
        "filtered sort": lambda: _view(LibraryFilter(kind="document"), "largest", FIRST),
        "page after a cursor half-way": lambda: _view(
            LibraryFilter(), "name", library.after(halfway)
        ),
        "rare search": lambda: _view(
            LibraryFilter(search=library_data.RARE_SEARCH), "newest", FIRST
        ),
        "before: first page": lambda: _before(LibraryFilter(), last=False),
        "before: last page": lambda: _before(LibraryFilter(), last=True),
    }


@contextlib.contextmanager
def _configured(url: str) -> Iterator[None]:
    """Point the app's ``rx.session()`` at ``url`` for the block."""
    previous = os.environ.get("REFLEX_DB_URL")
    os.environ["REFLEX_DB_URL"] = url
    reload_config()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("REFLEX_DB_URL", None)
        else:
            os.environ["REFLEX_DB_URL"] = previous
        reload_config()


def _postgres_server() -> str | None:
    from tests.services import read_env

    url = os.environ.get("UPLOAD_DEMO_TEST_PG_URL") or read_env().get("UPLOAD_DEMO_TEST_PG_URL")
    if not url:
        return None
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except sqlalchemy.exc.OperationalError:
        return None
    return url


def _interleaved(urls: dict[int, str], repeat: int) -> dict[tuple[int, str], list[float]]:
    """Seconds of each (size, case): every round runs every case on every size in turn.

    A busy moment on a shared machine then slows every size alike, so the ratios
    between sizes stay fair; the first round is an untimed warm-up. Switching the
    database (the app's config) happens between timings.
    """
    seconds: dict[tuple[int, str], list[float]] = {}
    cases: dict[int, dict[str, Callable[[], object]]] = {}
    for count, url in urls.items():
        with _configured(url):
            assert records.totals()[0] == count
            cases[count] = _cases()
    for round_number in range(repeat + 1):
        for count, url in urls.items():
            with _configured(url):
                timed = time_runs(cases[count], repeat=1, warmup=0)
            if round_number:
                for case, runs in timed.items():
                    seconds.setdefault((count, case), []).extend(runs)
    return seconds


def _measure(engine: str, urls: dict[int, str], repeat: int) -> list[Result]:
    """Fill a library of each size, then time the views on all of them, interleaved."""
    results: list[Result] = []
    for count, url in urls.items():
        print(f"  {engine}: filling {count:,} rows…", flush=True)
        inserted, migrated = library_data.fill(url, count)
        for case, elapsed in (
            ("bulk insert", inserted),
            ("migration to head (12 indexes, totals back-filled)", migrated),
        ):
            results.append(
                Result(
                    "library",
                    f"{engine} {count:,} rows: {case}",
                    [elapsed],
                    extra={"engine": engine, "rows": count, "case": case},
                )
            )
    print(f"  {engine}: timing the views…", flush=True)
    for (count, case), runs in _interleaved(urls, repeat).items():
        results.append(
            Result(
                "library",
                f"{engine} {count:,} rows: {case}",
                runs,
                extra={"engine": engine, "rows": count, "case": case, "view": True},
            )
        )
    return results


def _ratios(results: list[Result], smallest: int) -> None:
    """Note each view's ratio to the same view on the smallest library of its engine."""
    views = [r for r in results if r.extra.get("view")]
    base = {
        (r.extra["engine"], r.extra["case"]): r.median for r in views if r.extra["rows"] == smallest
    }
    for r in views:
        reference = base.get((r.extra["engine"], r.extra["case"]))
        if r.extra["rows"] == smallest or not reference or r.median is None:
            continue
        ratio = r.median / reference
        r.extra["ratio_to_smallest"] = ratio
        r.note = f"{ratio:.2f}× the {smallest:,}-row time"


def _engines() -> Iterator[tuple[str, Callable[[], contextlib.AbstractContextManager[str]]]]:
    @contextlib.contextmanager
    def sqlite_file() -> Iterator[str]:
        with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'library.db'}"

    yield "SQLite", sqlite_file
    server = _postgres_server()
    if server is not None:
        yield "PostgreSQL", lambda: library_data.postgres_database(server)


@benchmark("library", "library page views at 1k, 100k, 1M rows (SQLite, PostgreSQL)")
def run(options: Options) -> list[Result]:
    """On each engine: a scratch library of each size, its views timed, then dropped."""
    sizes = QUICK_SIZES if options.quick else SIZES
    results: list[Result] = []
    for engine, scratch in _engines():
        with contextlib.ExitStack() as stack:
            urls = {count: stack.enter_context(scratch()) for count in sizes}
            results.extend(_measure(engine, urls, options.repeat))
    _ratios(results, sizes[0])
    return results
