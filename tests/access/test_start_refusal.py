"""A backend configured for a non-loopback host refuses to start until an admin exists.

The real backend process (uvicorn on the app, as tests/backend_process.py runs it)
on a fresh migrated database of its own; uvicorn itself binds 127.0.0.1, while the
config says ``REFLEX_BACKEND_HOST=0.0.0.0``, the host the app checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command

from tests.backend_process import BackendProcess
from tests.conftest import ROOT
from tests.migrations import alembic_config
from upload_demo.users import PASSWORD_ENV

HINT = "python -m upload_demo.users add NAME --admin"


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    return {
        "REFLEX_DB_URL": db_url,
        "REFLEX_UPLOADED_FILES_DIR": str(uploads),
        "REFLEX_STATES_WORKDIR": str(tmp_path / "states"),
        "REFLEX_BACKEND_HOST": "0.0.0.0",
    }


def _users(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "upload_demo.users", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_cli_refuses_an_unmigrated_database_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "never-migrated.db"
    done = _users(_env(tmp_path, f"sqlite:///{db}"), "list")
    assert done.returncode == 2
    assert "not migrated" in done.stderr and "reflex db migrate" in done.stderr
    assert "Traceback" not in done.stderr
    assert not db.exists()


def test_no_admin_no_start_on_a_non_loopback_host(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    command.upgrade(alembic_config(db_url), "head")
    env = _env(tmp_path, db_url)

    refused = BackendProcess(tmp_path / "refused.log", env=env)
    try:
        code = refused.process.wait(timeout=120)
    finally:
        refused.stop()
    assert code != 0
    assert HINT in refused.log()

    # A member is not enough.
    assert _users({**env, PASSWORD_ENV: "a long enough password"}, "add", "mia").returncode == 0
    member_only = BackendProcess(tmp_path / "member-only.log", env=env)
    try:
        assert member_only.process.wait(timeout=120) != 0
    finally:
        member_only.stop()
    assert HINT in member_only.log()

    first_admin = _users({**env, PASSWORD_ENV: "a long enough password"}, "add", "boss", "--admin")
    assert first_admin.returncode == 0, first_admin.stderr
    assert "Created admin boss." in first_admin.stdout

    started = BackendProcess(tmp_path / "started.log", env=env)
    try:
        started.wait_ready()
    finally:
        started.stop()
    assert HINT not in started.log()


def test_the_first_account_says_the_app_now_requires_sign_in(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'first.db'}"
    command.upgrade(alembic_config(db_url), "head")
    env = {**_env(tmp_path, db_url), PASSWORD_ENV: "a long enough password"}
    first = _users(env, "add", "first")
    assert first.returncode == 0, first.stderr
    assert "the app now requires sign-in" in first.stdout
    second = _users(env, "add", "second")
    assert "requires sign-in" not in second.stdout
    listed = _users(env, "list").stdout
    assert [line.split()[0] for line in listed.splitlines()[1:]] == ["first", "second"]
