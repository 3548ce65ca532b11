"""Test session set-up: a throw-away database and upload dir, and one running app.

The environment is set in ``pytest_configure``, before anything reads the
Reflex config, so no test ever touches the developer's own data.
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

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

#: Test folders whose name is their marker (declared in pyproject.toml): ``pytest -m unit``.
FOLDER_MARKERS = frozenset({"unit", "backend", "e2e"})

_session_dir: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Point the app at a fresh database and upload dir, and migrate the database."""
    global _session_dir
    os.chdir(ROOT)
    _session_dir = Path(tempfile.mkdtemp(prefix="upload_demo-test-"))
    uploads = _session_dir / "uploaded_files"
    uploads.mkdir()
    os.environ["REFLEX_UPLOADED_FILES_DIR"] = str(uploads)
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
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def upload_dir() -> Path:
    """Where the app under test stores files (``rx.get_upload_dir()``)."""
    return Path(os.environ["REFLEX_UPLOADED_FILES_DIR"])


@pytest.fixture(scope="session")
def app_harness() -> Iterator[AppHarness]:
    """The real app, started once for the whole session (backend + dev frontend)."""
    from reflex.testing import AppHarness

    with AppHarness.create(root=ROOT) as harness:
        yield harness


@pytest.fixture(scope="session")
def frontend_url(app_harness: AppHarness) -> str:
    """The running frontend, without a trailing slash."""
    url = app_harness.frontend_url
    assert url
    return url.rstrip("/")


@pytest.fixture(scope="session")
def backend_url(app_harness: AppHarness) -> str:
    """The running backend (AppHarness points the config's api_url at it)."""
    from upload_demo.reflex_internals import api_url

    return api_url().rstrip("/")
