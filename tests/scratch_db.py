"""Scratch PostgreSQL databases on a server: created for a test session, a test or a benchmark.

``linguistic`` databases get an ICU ``en-US`` collation, as a typical production
database has, so anything that depends on the server's collation shows (a server
built without ICU falls back to its default). The drop uses FORCE, ending the
connections an app's pool may still hold.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping

import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.exc


def create_database(
    server_url: str,
    prefix: str,
    *,
    linguistic: bool = True,
    settings: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """A new, empty database named ``prefix`` + random hex: its URL and its name.

    ``settings`` become the database's defaults (``ALTER DATABASE ... SET``; test and
    benchmark code only, never user input).
    """
    name = f"{prefix}{secrets.token_hex(6)}"
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            created = False
            if linguistic:
                with contextlib.suppress(sqlalchemy.exc.DBAPIError):
                    connection.execute(
                        sqlalchemy.text(
                            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
                        )
                    )
                    created = True
            if not created:
                connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
            for key, value in (settings or {}).items():
                connection.execute(sqlalchemy.text(f"ALTER DATABASE {name} SET {key} = '{value}'"))
    finally:
        engine.dispose()
    url = sqlalchemy.engine.make_url(server_url).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_database(server_url: str, name: str) -> None:
    """Drop ``name`` if it exists, ending its open connections."""
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_database(
    server_url: str,
    prefix: str,
    *,
    linguistic: bool = True,
    settings: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """``create_database`` for the block (its URL), dropped on the way out."""
    url, name = create_database(server_url, prefix, linguistic=linguistic, settings=settings)
    try:
        yield url
    finally:
        drop_database(server_url, name)
