"""Test session set-up: a throw-away database and upload dir, and one running app.

The environment is set in ``pytest_configure``, before anything reads the
Reflex config, so no test ever touches the developer's own data.

The database is a SQLite file in the session's temp dir, unless
``UPLOAD_DEMO_TEST_DB_URL`` names a database server (``make test-scale`` sets it to
the PostgreSQL of ``make services``): then the session creates a fresh database of its
own there, migrates it, and drops it at the end. ``tests/scale/`` needs that server, so
it is collected only when the variable is set or when it is named on the command line
(where its own conftest fails loudly without it): ``make test`` stays the SQLite suite.

The app under test is the real app in this process (``AppHarness``: a dev frontend, one
backend), unless ``UPLOAD_DEMO_TEST_WORKERS`` is set (``make test-scale`` sets it): then
``backend_url`` and ``frontend_url`` point at the production build on two backend
workers sharing Redis, the database and the upload dir (tests/workers.py), and every
suite that asks for them runs against those two processes instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    # Imported in the fixture at run time: Reflex must not load before pytest_configure.
    from reflex.testing import AppHarness

    from tests.workers import TwoWorkerApp

#: The Playwright fixtures (``browser``, ``page``) for every folder that drives a browser.
pytest_plugins = ["tests.browser"]

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

#: Test folders whose name is their marker (declared in pyproject.toml): ``pytest -m unit``.
FOLDER_MARKERS = frozenset({"unit", "backend", "e2e", "scale", "access"})

_session_dir: Path | None = None
#: The database the session created on UPLOAD_DEMO_TEST_DB_URL's server, to drop at the end.
_server_database: tuple[str, str] | None = None

#: A database server for the session instead of a SQLite file (``make test-scale``).
DB_URL_VARIABLE = "UPLOAD_DEMO_TEST_DB_URL"
#: Set (to anything but "") to run the suites against the app on two workers (``make test-scale``).
WORKERS_VARIABLE = "UPLOAD_DEMO_TEST_WORKERS"
SCALE = TESTS / "scale"
#: The app with accounts: a session of its own (``make test`` runs it second), because
#: once an account exists every other suite's signed-out requests are refused.
ACCESS = TESTS / "access"


def _asked(config: pytest.Config) -> list[Path]:
    return [Path(arg.split("::")[0]).resolve() for arg in config.args]


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _create_server_database(server_url: str) -> str:
    """A fresh, empty database on the server of ``server_url`` (ICU en-US); its URL.

    Statements that wait for a lock fail after 5 s, as on SQLite (its busy timeout),
    so a test that locks a table makes others fail instead of hanging.
    """
    global _server_database
    from tests.scratch_db import create_database

    url, name = create_database(server_url, "upload_demo_test_", settings={"lock_timeout": "5s"})
    _server_database = (server_url, name)
    return url


def _drop_server_database() -> None:
    global _server_database
    if _server_database is None:
        return
    from tests.scratch_db import drop_database

    drop_database(*_server_database)
    _server_database = None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/scale: only with a database server or when asked; tests/access: only when asked."""
    asked = _asked(config)
    if collection_path == ACCESS:
        return None if any(_is_within(path, ACCESS) for path in asked) else True
    if collection_path != SCALE or os.environ.get(DB_URL_VARIABLE):
        return None
    if any(_is_within(path, SCALE) for path in asked):
        return None
    return True


def pytest_configure(config: pytest.Config) -> None:
    """Point the app at a fresh database and upload dir, and migrate the database."""
    global _session_dir
    asked = _asked(config)
    if any(_is_within(p, ACCESS) for p in asked) and not all(_is_within(p, ACCESS) for p in asked):
        raise pytest.UsageError("tests/access runs in a session of its own: `pytest tests/access`")
    os.chdir(ROOT)
    _session_dir = Path(tempfile.mkdtemp(prefix="upload_demo-test-"))
    uploads = _session_dir / "uploaded_files"
    uploads.mkdir()
    os.environ["REFLEX_UPLOADED_FILES_DIR"] = str(uploads)
    server_url = os.environ.get(DB_URL_VARIABLE)
    if server_url:
        os.environ["REFLEX_DB_URL"] = _create_server_database(server_url)
    else:
        os.environ["REFLEX_DB_URL"] = f"sqlite:///{_session_dir / 'test.db'}"
    os.environ["REFLEX_TELEMETRY_ENABLED"] = "false"
    # Reflex's disk state manager rescans its folder on every write: test runs must not
    # leave thousands of client states in the checkout's .states/ for `make run` to carry.
    os.environ["REFLEX_STATES_WORKDIR"] = str(_session_dir / "states")
    # The test frontend listens on a random port, so its origin is not known
    # in advance; rxconfig.py keeps the explicit list for real runs.
    os.environ["REFLEX_CORS_ALLOWED_ORIGINS"] = "*"

    from upload_demo.reflex_internals import migrate_database, reload_config

    reload_config()
    migrate_database()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its folder, so a marker selects a folder's tests and only them."""
    for item in items:
        if not item.path.is_relative_to(TESTS):
            continue
        folder = item.path.relative_to(TESTS).parts[0]
        if folder in FOLDER_MARKERS:
            item.add_marker(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's database and files."""
    _drop_server_database()
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def upload_dir() -> Path:
    """Where the app under test stores files (``rx.get_upload_dir()``)."""
    return Path(os.environ["REFLEX_UPLOADED_FILES_DIR"])


def on_two_workers() -> bool:
    """Whether the session's app is the two-worker one (``make test-scale``)."""
    return bool(os.environ.get(WORKERS_VARIABLE))


@pytest.fixture(scope="session")
def app_harness() -> Iterator[AppHarness]:
    """The real app, started once for the whole session (backend + dev frontend)."""
    from reflex.testing import AppHarness

    with AppHarness.create(root=ROOT) as harness:
        yield harness


@pytest.fixture(scope="session")
def two_worker_app() -> Iterator[TwoWorkerApp]:
    """The production build on two backend workers, started once for the session.

    Two workers share what Reflex keeps per client only through Redis: without
    ``REFLEX_REDIS_URL`` each would hold states of its own, so that is an error.
    """
    from tests.workers import TwoWorkerApp

    if not os.environ.get("REFLEX_REDIS_URL"):
        raise pytest.UsageError(
            "two workers need REFLEX_REDIS_URL: run `make services`, then `make test-scale`"
        )
    assert _session_dir is not None
    app = TwoWorkerApp(_session_dir / "two-workers")
    app.workdir.mkdir()
    try:
        app.start()
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def frontend_url(request: pytest.FixtureRequest) -> str:
    """The running frontend, without a trailing slash."""
    if on_two_workers():
        return request.getfixturevalue("two_worker_app").url
    harness: AppHarness = request.getfixturevalue("app_harness")
    url = harness.frontend_url
    assert url
    return url.rstrip("/")


@pytest.fixture(scope="session")
def backend_url(request: pytest.FixtureRequest) -> str:
    """The running backend (AppHarness points the config's api_url at it)."""
    if on_two_workers():
        # In production Reflex serves the frontend and the backend on one port.
        return request.getfixturevalue("two_worker_app").url
    from upload_demo.reflex_internals import api_url

    request.getfixturevalue("app_harness")
    return api_url().rstrip("/")


@pytest.fixture
def server_pids(request: pytest.FixtureRequest, backend_url: str) -> list[int]:
    """The processes serving ``backend_url``: this one (AppHarness), or both workers."""
    if on_two_workers():
        return request.getfixturevalue("two_worker_app").worker_pids()
    return [os.getpid()]
