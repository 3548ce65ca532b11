"""tests/scale: the app against real servers (``make services``, then ``make test-scale``).

Excluded from ``make test`` by design, not skipped: the root conftest leaves this folder
out of collection unless ``UPLOAD_DEMO_TEST_DB_URL`` names a database server (as
``make test-scale`` does), so the default suite stays the embedded SQLite one and shows no
skips it cannot act on. Naming the folder on the command line without the server is an
error saying what to run, never a silent pass or a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
import sqlalchemy.engine

from tests.conftest import DB_URL_VARIABLE
from upload_demo.bucket import BucketStore


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get(DB_URL_VARIABLE, "")
    if not url.startswith("postgresql"):
        raise pytest.UsageError(
            f"tests/scale needs a PostgreSQL server in {DB_URL_VARIABLE} "
            f"(now {url or 'unset'}): run `make services`, then `make test-scale`"
        )


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server of ``make services`` (its maintenance database)."""
    return os.environ[DB_URL_VARIABLE]


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (default collation), dropped after the test."""
    name = f"upload_demo_scale_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    url = sqlalchemy.engine.make_url(server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def bucket_store(tmp_path: Path) -> Iterator[BucketStore]:
    """A BucketStore on the services' RGW under a prefix of its own, emptied afterwards.

    Staged in a temp dir of its own, so what the test leaves there is its own.
    """
    bucket = os.environ["UPLOAD_DEMO_TEST_S3_BUCKET"]
    staging = tmp_path / "staging"
    staging.mkdir()
    store = BucketStore(f"s3://{bucket}/test-{secrets.token_hex(6)}", staging)
    try:
        yield store
    finally:
        for upload in store.partial_uploads():
            store.abort(upload)
        for stored in store.objects():
            store.delete(stored.name)
