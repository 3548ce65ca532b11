"""The real app under Granian for a benchmark, in folders of its own.

Each app server gets its own upload dir, compiled-page dir, state dir and
database, inside the benchmark's scratch folder, so a running ``make run`` or
test session (the checkout's ``.web``, ``.states``, ``upload_demo.db``) is never
touched. The database is a SQLite file there, or a PostgreSQL database the
caller created; with a Redis URL, Reflex keeps its states in Redis (its choice
whenever ``REFLEX_REDIS_URL`` is set), which is what lets two workers serve the
same clients.
"""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from benchmarks.servers import ROOT, Server, environment, serving
from benchmarks.targets import Target, reflex_ok


@dataclasses.dataclass(frozen=True)
class AppServer:
    """A running app server, where it stores files, and its SQLite file (None on PostgreSQL)."""

    server: Server
    upload_dir: Path
    sqlite: Path | None


def app_env(folder: Path, db_url: str, redis_url: str | None) -> dict[str, str]:
    """The settings of an app server whose every file lives in ``folder``."""
    env = {
        "REFLEX_UPLOADED_FILES_DIR": str(folder / "uploaded_files"),
        "REFLEX_DB_URL": db_url,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_SKIP_COMPILE": "true",
        # The app compiles its pages on start-up (with this process's raised limits):
        # into a folder of its own, never the checkout's .web that `make run` serves.
        "REFLEX_WEB_WORKDIR": str(folder / "web"),
        # Reflex's disk state manager lists and stats every saved state in this directory
        # each time it flushes (often, under load); the checkout's own .states holds
        # thousands left by test runs, which a deployed server would not carry.
        "REFLEX_STATES_WORKDIR": str(folder / "states"),
    }
    if redis_url is not None:
        env["REFLEX_REDIS_URL"] = redis_url
    return env


def migrate(env: dict[str, str]) -> None:
    """Create the app's tables in the server's own database."""
    subprocess.run(
        [sys.executable, "-m", "reflex", "db", "migrate"],
        cwd=ROOT,
        env=environment(env),
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def reflex_app(
    folder: Path,
    *,
    db_url: str | None = None,
    redis_url: str | None = None,
    workers: int = 1,
    settings: Mapping[str, str] | None = None,
) -> Iterator[AppServer]:
    """The benchmark app (``reflex_app.py``) served from ``folder``, migrated, then stopped.

    Without ``db_url`` the database is ``folder/bench.db`` (SQLite). ``settings`` are
    added to the server's environment (say, a bucket to store in).
    """
    folder.mkdir(parents=True)
    (folder / "uploaded_files").mkdir()
    sqlite = None if db_url else folder / "bench.db"
    env = {**app_env(folder, db_url or f"sqlite:///{sqlite}", redis_url), **(settings or {})}
    migrate(env)
    with serving("benchmarks.reflex_app:app", folder / "reflex.log", env, workers) as server:
        yield AppServer(server, folder / "uploaded_files", sqlite)


def handler_headers(token: str, large: bool = False) -> dict[str, str]:
    """The headers of an upload to the restricted page's handler, or to /large's."""
    from tests.client import handler_name
    from upload_demo.pages.large import LargeState
    from upload_demo.pages.restricted import RestrictedState

    handler = LargeState.handle_chunks if large else RestrictedState.handle_upload
    return {"Reflex-Client-Token": token, "Reflex-Event-Handler": handler_name(handler)}


def buffered_target(app: AppServer, token: str) -> Target:
    """Uploads to the restricted page's buffered handler on ``app``."""
    url = f"{app.server.url}/_upload"
    return Target(app.server, url, handler_headers(token), app.upload_dir, reflex_ok)
