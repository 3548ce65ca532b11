"""tests/scale: the app against real servers (``make services``, then ``make test-scale``).

The cross-worker tests (``test_workers_*.py``) use the session's app on two workers
(``two_worker_app``, in the root conftest) and ``workers``: two more backend
processes of the app, A and B, on ports of their own, with the same Redis, database
and upload dir (see tests/workers.py for why both shapes exist). The browser fixtures
are the E2E suite's (tests/browser.py).

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

from tests.conftest import DB_URL_VARIABLE, WORKERS_VARIABLE
from tests.scratch_db import scratch_database
from tests.workers import Pair, start_pair
from upload_demo.bucket import BucketStore


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get(DB_URL_VARIABLE, "")
    if not url.startswith("postgresql"):
        raise pytest.UsageError(
            f"tests/scale needs a PostgreSQL server in {DB_URL_VARIABLE} "
            f"(now {url or 'unset'}): run `make services`, then `make test-scale`"
        )
    if not os.environ.get("REFLEX_REDIS_URL") or not os.environ.get(WORKERS_VARIABLE):
        raise pytest.UsageError(
            f"tests/scale needs Redis in REFLEX_REDIS_URL and the app on two workers "
            f"({WORKERS_VARIABLE}): run `make services`, then `make test-scale`"
        )


@pytest.fixture(scope="session")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Workers A and B, started once for the session (side by side: a start is ~5 s)."""
    pair = start_pair(tmp_path_factory.mktemp("workers"))
    try:
        yield pair
    finally:
        pair.a.stop()
        pair.b.stop()


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server of ``make services`` (its maintenance database)."""
    return os.environ[DB_URL_VARIABLE]


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (default collation), dropped after the test."""
    with scratch_database(server_url, "upload_demo_scale_", linguistic=False) as url:
        yield url


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
