"""The session's database in tests: each test's own rows, and real failures.

``tag`` marks a test's file names so ``rows_named`` finds only its rows in
the database every test shares. A trigger makes the database itself refuse a statement, and a second
connection holding an exclusive lock makes every other one wait and fail:
the code under test meets the same errors a real database gives, nothing is
mocked.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator

import reflex as rx
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.event
import sqlmodel

from upload_demo.models import StoredFile


def tag() -> str:
    """A unique marker for a test's file names."""
    return uuid.uuid4().hex[:12]


def rows_named(*names: str) -> list[StoredFile]:
    """The rows whose original name is one of ``names``."""
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(sqlmodel.col(StoredFile.original_name).in_(names))
        return list(session.exec(query).all())


@contextlib.contextmanager
def refusing(statement: str, when: str = "1") -> Iterator[None]:
    """While in the block, the database aborts every ``statement`` on storedfile where ``when``.

    ``statement`` is ``INSERT``, ``UPDATE`` or ``DELETE``; ``when`` is an SQL
    condition on the ``NEW`` or ``OLD`` row (test code only, never user input).
    """
    assert statement in {"INSERT", "UPDATE", "DELETE"}
    trigger = f"refuse_{uuid.uuid4().hex}"
    with rx.session() as session:
        session.connection().execute(
            sqlalchemy.text(
                f"CREATE TRIGGER {trigger} BEFORE {statement} ON storedfile WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
            )
        )
        session.commit()
    try:
        yield
    finally:
        with rx.session() as session:
            session.connection().execute(sqlalchemy.text(f"DROP TRIGGER IF EXISTS {trigger}"))
            session.commit()


def _database_path() -> str:
    url = sqlalchemy.engine.make_url(os.environ["REFLEX_DB_URL"])
    assert url.get_backend_name() == "sqlite" and url.database
    return url.database


@contextlib.contextmanager
def locked_after_commit() -> Iterator[list[sqlite3.Connection]]:
    """After the next commit of a session, another connection locks the database exclusively.

    Until the block ends, any further statement (a refresh, a query) waits for
    SQLite's busy timeout and fails with "database is locked", as it does when
    another process writes at that moment. Yields the locking connection, once taken,
    in a list (so a test can check the lock really happened).
    """
    holder: list[sqlite3.Connection] = []

    def lock(session: sqlmodel.Session) -> None:
        if holder:
            return
        other = sqlite3.connect(_database_path(), timeout=0, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        holder.append(other)

    sqlalchemy.event.listen(sqlmodel.Session, "after_commit", lock)
    try:
        yield holder
    finally:
        sqlalchemy.event.remove(sqlmodel.Session, "after_commit", lock)
        for other in holder:
            other.rollback()
            other.close()
