"""Scratch libraries of n rows for the library benchmark, on SQLite and on PostgreSQL.

Each database is migrated to the revision before the keyset indexes, filled in
bulk (executemany on SQLite, COPY on PostgreSQL: an ORM insert per row would
take minutes for a million), then migrated to head: that migration builds the
twelve indexes and back-fills the kept totals, as it would on a real database
that grew before it. Names look like a drop portal's (``holiday-0004711.jpg``);
sha256 and stored names are sequential, which only the unused unique indexes see.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.event
import sqlalchemy.exc
from alembic import command
from alembic.config import Config

from benchmarks.servers import ROOT
from upload_demo.models import fold_name

#: The last revision before the keyset indexes and kept totals.
BEFORE_KEYSET = "d2a6f0c4e8b1"
#: One word of 16 starts each name: a search for one matches about 1 row in 16.
WORDS = [
    "holiday", "IMG", "DSC", "scan", "invoice", "report", "clip", "notes",
    "Straße", "résumé", "backup", "screenshot", "draft", "photo", "export", "song",
]  # fmt: skip
COMMON_SEARCH = "holiday"
#: A substring exactly one name holds, at any size: a search no index can shorten.
RARE_SEARCH = "-0000123."
#: (kind, extension, content type, share of rows in 100, source page).
KINDS = [
    ("image", "jpg", "image/jpeg", 50, "images"),
    ("video", "mp4", "video/mp4", 10, "video"),
    ("audio", "mp3", "audio/mpeg", 10, "large"),
    ("document", "pdf", "application/pdf", 20, "restricted"),
    ("archive", "zip", "application/zip", 5, "large"),
    ("other", "bin", "application/octet-stream", 5, "one-step"),
]
_CHOICES = [kind for kind in KINDS for _ in range(kind[3])]
_START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
COLUMNS = (
    "original_name", "name_key", "stored_name", "kind", "content_type", "size", "sha256",
    "source_page", "created_at",
)  # fmt: skip
_BATCH = 50_000


#: Sizes drawn from a log-normal (median about 440 kB, a long tail of large files).
_SIZES = [int(random.Random(7).lognormvariate(13, 2)) + 1 for _ in range(4096)]
_FOLDED_WORDS = [fold_name(word) for word in WORDS]


#: A row's values, in COLUMNS order.
Row = tuple[str, str, str, str, str, int, str, str, datetime.datetime]


def rows(start: int, stop: int) -> list[Row]:
    """Rows ``start`` to ``stop``, oldest first (two uploads a second, so some share a time).

    Drawn a batch at a time (``choices``): a million rows one ``random`` call each
    would take longer than inserting them.
    """
    rng = random.Random(start)
    count = stop - start
    kinds = rng.choices(_CHOICES, k=count)
    words = rng.choices(range(len(WORDS)), k=count)
    sizes = rng.choices(_SIZES, k=count)
    out: list[Row] = []
    for offset, ((kind, extension, content_type, _, page), word, size) in enumerate(
        zip(kinds, words, sizes, strict=True)
    ):
        i = start + offset
        tail = f"-{i:07d}.{extension}"
        created = _START + datetime.timedelta(seconds=i // 2)
        out.append((f"{WORDS[word]}{tail}", f"{_FOLDED_WORDS[word]}{tail}", f"{i:032x}{tail}",
                    kind, content_type, size, f"{i:064x}", page, created))  # fmt: skip
    return out


#: The secondary indexes at BEFORE_KEYSET: dropped for the bulk insert, built again after
#: it (a sort instead of a million B-tree inserts), so the migration meets its schema.
_BEFORE_INDEXES = {
    "ix_storedfile_created_at": "created_at",
    "ix_storedfile_kind": "kind",
    "ix_storedfile_size": "size",
    "ix_storedfile_source_page": "source_page",
    "ix_storedfile_name_key": "name_key",
}


def _drop_indexes() -> list[str]:
    return [f"DROP INDEX {name}" for name in _BEFORE_INDEXES]


def _create_indexes() -> list[str]:
    return [
        f"CREATE INDEX {name} ON storedfile ({column})" for name, column in _BEFORE_INDEXES.items()
    ]


def alembic_config(url: str) -> Config:
    """The project's migrations on ``url``, without alembic.ini's logging (a line a step)."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _fill_sqlite(path: Path, count: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        _fast_sqlite(connection, None)
        placeholders = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO storedfile ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        for statement in _drop_indexes():
            connection.execute(statement)
        for start in range(0, count, _BATCH):
            # SQLAlchemy's text form of a DATETIME on SQLite (every row's microsecond is 0).
            batch = [
                (*row[:-1], f"{row[-1].isoformat(sep=' ')[:19]}.000000")
                for row in rows(start, min(count, start + _BATCH))
            ]
            connection.executemany(sql, batch)
        for statement in _create_indexes():
            connection.execute(statement)
        connection.commit()


def _fill_postgres(url: str, count: int) -> None:
    import psycopg

    plain = sqlalchemy.engine.make_url(url).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as connection:
        for statement in _drop_indexes():
            connection.execute(statement.encode())
        with connection.cursor().copy(f"COPY storedfile ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, count, _BATCH):
                for row in rows(start, min(count, start + _BATCH)):
                    copy.write_row(row)
        for statement in _create_indexes():
            connection.execute(statement.encode())
        connection.commit()


def _fast_sqlite(connection: Any, record: object) -> None:
    """A scratch file needs no journal or fsync, and index builds want memory to sort in."""
    if isinstance(connection, sqlite3.Connection):
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -500000"):
            connection.execute(f"PRAGMA {pragma}")


def fill(url: str, count: int) -> tuple[float, float]:
    """Migrate ``url`` to BEFORE_KEYSET, insert ``count`` rows, migrate to head.

    Returns the seconds of the insert and of the migration to head (its index
    builds and back-fill, the time a real upgrade holds the table).
    """
    config = alembic_config(url)
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", _fast_sqlite)
    try:
        command.upgrade(config, BEFORE_KEYSET)
        started = time.perf_counter()
        if url.startswith("sqlite"):
            database = sqlalchemy.engine.make_url(url).database
            assert database
            _fill_sqlite(Path(database), count)
        else:
            _fill_postgres(url, count)
        inserted = time.perf_counter()
        command.upgrade(config, "head")
        migrated = time.perf_counter()
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", _fast_sqlite)
    if not url.startswith("sqlite"):
        # What autovacuum would soon do: the planner's statistics, the visibility map.
        # SQLite gets no ANALYZE: the app never runs one.
        engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as autocommit:
            autocommit.execute(sqlalchemy.text("VACUUM ANALYZE"))
            # Written out now, not by a checkpoint in the middle of the timings.
            autocommit.execute(sqlalchemy.text("CHECKPOINT"))
        engine.dispose()
    return inserted - started, migrated - inserted


def postgres_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A scratch database on the server (ICU en-US, as the tests make), dropped afterwards.

    Index builds sort in memory instead of on disk (the migration's CREATE INDEX).
    """
    from tests.scratch_db import scratch_database

    return scratch_database(
        server_url, "upload_demo_bench_", settings={"maintenance_work_mem": "512MB"}
    )
