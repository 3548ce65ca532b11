"""The backend as a process of its own, with a database and upload dir of its own.

For the tests that kill it (SIGKILL) and start it again: each run is a
``BackendProcess`` on the same files, and what it left is read straight from them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlmodel

from tests.backend_process import BackendProcess
from tests.conftest import ROOT
from upload_demo.models import StoredFile
from upload_demo.storage import TEMP_PREFIX


class Backend:
    """The backend, run (and re-run) with this test's upload dir and database."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.uploads = workdir / "uploaded_files"
        self.uploads.mkdir()
        db_url = f"sqlite:///{workdir / 'crash.db'}"
        self.engine = sqlmodel.create_engine(db_url)
        StoredFile.metadata.create_all(self.engine)
        self.env = {
            "REFLEX_UPLOADED_FILES_DIR": str(self.uploads),
            "REFLEX_DB_URL": db_url,
            # Whatever the backend writes stays out of the session app's dirs.
            "REFLEX_WEB_WORKDIR": str(workdir / "web"),
            "REFLEX_STATES_WORKDIR": str(workdir / "states"),
        }
        self.runs: list[BackendProcess] = []

    @property
    def current(self) -> BackendProcess:
        return self.runs[-1]

    def start(self) -> None:
        log = self.workdir / f"backend-{len(self.runs) + 1}.log"
        self.runs.append(BackendProcess(log, env=self.env))
        self.current.wait_ready()

    def close(self) -> None:
        for run in self.runs:
            run.stop()
        self.engine.dispose()

    def rows(self) -> list[StoredFile]:
        with sqlmodel.Session(self.engine) as session:
            return list(session.exec(sqlmodel.select(StoredFile)).all())

    def temp_files(self) -> list[Path]:
        return sorted(self.uploads.glob(f"{TEMP_PREFIX}*"))

    def published_files(self) -> list[Path]:
        return sorted(p for p in self.uploads.iterdir() if not p.name.startswith(TEMP_PREFIX))

    def maintenance_check(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "upload_demo.maintenance", "check"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    running = Backend(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.close()
