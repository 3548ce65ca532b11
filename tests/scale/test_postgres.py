"""The data layer on a real PostgreSQL 15: migrations, the UNIQUE race, folded names.

The session's database is already a fresh one on that server (tests/conftest.py);
these tests add what only a second database or two concurrent writers can show.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
import sqlalchemy
import sqlalchemy.event
import sqlmodel
from alembic import command
from alembic.script import ScriptDirectory

from tests import db, migrations, samples
from upload_demo import library, policy
from upload_demo.ingest import Incoming, Outcome, ingest_batch
from upload_demo.library import LibraryFilter
from upload_demo.models import StoredFile
from upload_demo.stores import LocalStore


def _tables_and_indexes(url: str) -> tuple[set[str], set[str], str | None]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sqlalchemy.inspect(connection)
            tables = set(inspector.get_table_names())
            indexes = (
                {i["name"] or "" for i in inspector.get_indexes("storedfile")}
                | {u["name"] or "" for u in inspector.get_unique_constraints("storedfile")}
                if "storedfile" in tables
                else set()
            )
            version = (
                connection.execute(
                    sqlalchemy.text("SELECT version_num FROM alembic_version")
                ).scalar_one_or_none()
                if "alembic_version" in tables
                else None
            )
    finally:
        engine.dispose()
    return tables, indexes, version


# --- migrations -------------------------------------------------------------------


def test_reflex_db_migrate_from_an_empty_database_prints_no_warning(empty_database: str) -> None:
    """``reflex db migrate`` as a team's first deploy runs it, then again (up to date)."""
    migrations.assert_reflex_migrate_is_quiet(empty_database)
    head = ScriptDirectory.from_config(migrations.alembic_config(empty_database)).get_current_head()
    tables, indexes, version = _tables_and_indexes(empty_database)
    assert version == head
    assert {"storedfile", "filetotal", "alembic_version"} <= tables
    assert {"ix_storedfile_name_key_id", "ix_storedfile_size_id", "uq_storedfile_sha256"} <= indexes


def test_every_migration_goes_down_to_empty_and_up_again(empty_database: str) -> None:
    config = migrations.alembic_config(empty_database)
    script = ScriptDirectory.from_config(config)
    revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
    assert len(revisions) >= 4
    for revision in revisions:  # one step at a time, each on PostgreSQL's DDL
        command.upgrade(config, revision)
        assert _tables_and_indexes(empty_database)[2] == revision
    for revision in revisions[-2::-1]:
        command.downgrade(config, revision)
        assert _tables_and_indexes(empty_database)[2] == revision
    command.downgrade(config, "base")
    tables, _, version = _tables_and_indexes(empty_database)
    assert "storedfile" not in tables
    assert version is None
    command.upgrade(config, "head")
    assert _tables_and_indexes(empty_database)[2] == script.get_current_head()


def test_name_key_is_filled_for_rows_stored_before_it(empty_database: str) -> None:
    assert migrations.upgrade_with_old_rows(empty_database) == migrations.FOLDED
    assert migrations.kept_totals(empty_database) == migrations.OLD_TOTALS


# --- the SHA-256 UNIQUE race --------------------------------------------------------


def test_two_concurrent_ingests_of_the_same_bytes_store_it_once(tmp_path: Path) -> None:
    """Both uploads pass the duplicate lookup, then commit at the same instant.

    A barrier holds each one's commit until both are there, so both INSERTs reach
    PostgreSQL together: its UNIQUE index on sha256 makes the second wait for the
    first and fail, and the app turns that into "already stored".
    """
    t = db.tag()
    data = samples.image_bytes("PNG", seed=int(t[:6], 16))
    sha = hashlib.sha256(data).hexdigest()
    barrier = threading.Barrier(2, timeout=30)
    arrived: list[str] = []

    def hold_commit(session: sqlmodel.Session) -> None:
        if any(isinstance(new, StoredFile) and new.sha256 == sha for new in session.new):
            arrived.append(threading.current_thread().name)
            barrier.wait()

    outcomes: dict[str, Outcome] = {}
    errors: list[BaseException] = []

    def upload(name: str) -> None:
        try:
            (outcomes[name],) = ingest_batch(
                [Incoming(name, io.BytesIO(data), len(data))], policy.IMAGES, LocalStore(tmp_path)
            )
        except BaseException as error:
            errors.append(error)

    sqlalchemy.event.listen(sqlmodel.Session, "before_commit", hold_commit)
    try:
        threads = [
            threading.Thread(target=upload, args=(f"{who}-{t}.png",), name=who)
            for who in ("first", "second")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sqlalchemy.event.remove(sqlmodel.Session, "before_commit", hold_commit)

    assert not errors, errors
    assert sorted(arrived) == ["first", "second"]  # both really reached the commit together
    stored = [o for o in outcomes.values() if o.stored]
    repeats = [o for o in outcomes.values() if not o.stored]
    assert len(stored) == 1 and len(repeats) == 1, outcomes
    (winner,), (loser,) = stored, repeats
    assert loser.duplicate_of == winner.stored_name
    assert loser.message.startswith(f"already stored as {winner.name} "), loser.message
    with rx.session() as session:
        rows = session.exec(sqlmodel.select(StoredFile).where(StoredFile.sha256 == sha)).all()
    assert [row.original_name for row in rows] == [winner.name]
    # Nothing left behind: the winner's file and thumbnail only, no temp file of the loser.
    (row,) = rows
    assert sorted(os.listdir(tmp_path)) == sorted([row.stored_name, str(row.preview_name)])


# --- folded names: the same rows and order as on SQLite ------------------------------

NAMES = [
    "Äpfel.png", "apfel.png", "APFEL-2.png", "äpfel_1.png", "apfel 3.png",
    "a_b.png", "ab.png", "a b.png", "A-B.png", "a.b.png", "aB.png",
    "Straße.pdf", "STRASSE.pdf", "strasse-2.pdf",
    "Zebra.png", "zürich.png", "Zurich.png", "éclair.png", "Eclair.png", "ECLAIR.png",
    "10.png", "9.png", "_x.png", "-y.png", "ﬁle.txt", "file.txt", "FILE.TXT",
    "100%.png", "50_percent.png", "back\\slash.png", "日本.png", "Ωmega.png", "ωmega.png",
]  # fmt: skip
SEARCHES = [
    "", "apfel", "ÄPFEL", "strasse", "STRASSE", "a_b", "a b", "%", "_", "\\",
    "zur", "ZÜR", "eclair", "ÉCLAIR", "file", "ﬁle", "ωmega", "Ω", ".png", "b.p",
]  # fmt: skip


def _rows(page: str) -> list[dict[str, Any]]:
    return [
        {
            "original_name": name,
            "stored_name": f"{page}-{number}.bin",
            "kind": "image",
            "content_type": "application/octet-stream",
            "size": 1000 + number,
            "sha256": f"{page}-{number}",
            "source_page": page,
        }
        for number, name in enumerate(NAMES)
    ]


def _library(session: sqlmodel.Session, page: str, search: str, sort: str) -> list[str]:
    query = library.rows_query(LibraryFilter(page=page, search=search), sort)
    return [row.original_name for row in session.exec(query).all()]


def _walked(page: str, sort: str, *, backwards: bool) -> list[str]:
    """Every name of ``page``, read by keyset pages of 4 from one end to the other."""
    where, pages = LibraryFilter(page=page), []
    at = library.LAST if backwards else library.FIRST
    while True:
        shown = library.library_page(where, sort, at, size=4)
        pages.append([row.original_name for row in shown.rows])
        edge = shown.start if backwards else shown.end
        if not (shown.has_previous if backwards else shown.has_next) or edge is None:
            break
        at = library.before(edge) if backwards else library.after(edge)
    return [name for names in (pages[::-1] if backwards else pages) for name in names]


@pytest.mark.parametrize("sort", ["name", "name-desc"])
def test_search_and_name_sort_match_sqlite(tmp_path: Path, sort: str) -> None:
    """The session's database (ICU en-US collation, as a production server's) vs SQLite."""
    page = f"scale-names-{uuid.uuid4().hex[:8]}"
    sqlite_url = f"sqlite:///{tmp_path / 'reference.db'}"
    command.upgrade(migrations.alembic_config(sqlite_url), "head")
    sqlite = sqlalchemy.create_engine(sqlite_url)
    with sqlmodel.Session(sqlite) as session:
        session.execute(sqlalchemy.insert(StoredFile), _rows(page))
        session.commit()
    with rx.session() as session:
        session.execute(sqlalchemy.insert(StoredFile), _rows(page))
        session.commit()
    try:
        with sqlmodel.Session(sqlite) as reference, rx.session() as postgres:
            for search in SEARCHES:
                expected = _library(reference, page, search, sort)
                assert _library(postgres, page, search, sort) == expected, (search, sort)
            everything = _library(reference, page, "", sort)
        assert len(everything) == len(NAMES)
        # Keyset pages of 4, both ways: cursors on names compare as the sort does ("C").
        assert _walked(page, sort, backwards=False) == everything
        assert _walked(page, sort, backwards=True) == everything
    finally:
        sqlite.dispose()
        with rx.session() as session:
            session.execute(
                sqlalchemy.delete(StoredFile).where(sqlmodel.col(StoredFile.source_page) == page)
            )
            session.commit()
