"""The session's database in tests: each test's own rows, and real failures.

``tag`` marks a test's file names so ``rows_named`` finds only its rows in
the database every test shares. A trigger makes the database itself refuse a statement, and a second
connection holding an exclusive lock makes every other one wait and fail:
the code under test meets the same errors a real database gives, nothing is
mocked. Each has its SQLite and its PostgreSQL form (``make test-scale``): a trigger
that raises (``RAISE(ABORT)``; a PL/pgSQL function raising an integrity error), and
an exclusive lock from another connection (``BEGIN EXCLUSIVE``; ``LOCK TABLE ... IN
ACCESS EXCLUSIVE MODE``, which the session database's 5 s ``lock_timeout`` turns into
a failure, as SQLite's busy timeout does).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import reflex as rx
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.event
import sqlmodel

from upload_demo.models import StoredFile


def backend() -> str:
    """The session database's SQLAlchemy backend name: ``sqlite`` or ``postgresql``."""
    return sqlalchemy.engine.make_url(os.environ["REFLEX_DB_URL"]).get_backend_name()


def is_sqlite() -> bool:
    return backend() == "sqlite"


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
    if is_sqlite():
        create = [
            f"CREATE TRIGGER {trigger} BEFORE {statement} ON storedfile WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        ]
        drop = [f"DROP TRIGGER IF EXISTS {trigger}"]
    else:
        # SQLSTATE 23000 (integrity_constraint_violation), the class SQLite's ABORT maps to.
        create = [
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'refused by test trigger' USING ERRCODE = '23000'; END $$",
            f"CREATE TRIGGER {trigger} BEFORE {statement} ON storedfile FOR EACH ROW "
            f"WHEN ({'true' if when == '1' else when}) EXECUTE FUNCTION {trigger}()",
        ]
        drop = [
            f"DROP TRIGGER IF EXISTS {trigger} ON storedfile",
            f"DROP FUNCTION IF EXISTS {trigger}()",
        ]
    _execute(create)
    try:
        yield
    finally:
        _execute(drop)


def _execute(statements: list[str]) -> None:
    with rx.session() as session:
        for statement in statements:
            session.connection().execute(sqlalchemy.text(statement))
        session.commit()


def _database_path() -> str:
    url = sqlalchemy.engine.make_url(os.environ["REFLEX_DB_URL"])
    assert url.get_backend_name() == "sqlite" and url.database
    return url.database


def _lock_exclusively() -> Any:
    """Another connection, outside the app's pool, holding an exclusive lock; it has rollback()."""
    if is_sqlite():
        other = sqlite3.connect(_database_path(), timeout=0, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        return other
    import psycopg

    url = sqlalchemy.engine.make_url(os.environ["REFLEX_DB_URL"]).set(drivername="postgresql")
    other = psycopg.connect(url.render_as_string(hide_password=False))
    other.execute("SET lock_timeout = '5s'")
    other.execute("LOCK TABLE storedfile IN ACCESS EXCLUSIVE MODE")  # opens a transaction
    return other


@contextlib.contextmanager
def locked_after_commit() -> Iterator[list[Any]]:
    """After the next commit of a session, another connection locks the database exclusively.

    Until the block ends, any further statement (a refresh, a query) waits for
    the database's lock timeout and fails ("database is locked" on SQLite, "lock
    timeout" on PostgreSQL), as it does when another process writes at that moment.
    Yields the locking connection, once taken, in a list (so a test can check the
    lock really happened).
    """
    holder: list[Any] = []

    def lock(session: sqlmodel.Session) -> None:
        if holder:
            return
        holder.append(_lock_exclusively())

    sqlalchemy.event.listen(sqlmodel.Session, "after_commit", lock)
    try:
        yield holder
    finally:
        sqlalchemy.event.remove(sqlmodel.Session, "after_commit", lock)
        for other in holder:
            other.rollback()
            other.close()
