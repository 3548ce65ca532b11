"""The app on two backend workers sharing Redis, PostgreSQL and the upload dir (make test-scale).

Two shapes, because they prove different things:

- ``TwoWorkerApp`` is the app as production runs it: ``reflex run --env prod`` with
  ``GRANIAN_WORKERS=2`` (Reflex 0.10.1 would start ``2 * cores + 1`` workers with Redis;
  the variable pins the count). Reflex builds the frontend as a static export and
  Granian's two worker processes serve it and the backend on one port, accepting
  connections from one shared socket: the kernel picks the worker of each connection.
  The backend and E2E suites run against it unchanged (``backend_url``,
  ``frontend_url``), so whatever they check holds whichever worker answers.
- ``Worker`` is one more backend process of the same app on a port of its own (uvicorn
  on the app, as the crash tests start one), with the same Redis, database and upload
  dir. With one shared socket a test cannot choose a worker; with a port per process it
  can: a tab's websocket on a worker of the app and its upload request sent here, or
  the same bytes to two known processes at once, or one process mid-upload while
  another starts.

Every process gets this process's environment unchanged (plus where Reflex may write
its own files), so a storage, database or Redis setting made for the session reaches
every worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import httpx
import psutil

from tests.backend_process import BackendProcess, free_port
from tests.conftest import ROOT

#: How many workers ``make test-scale`` runs the app on.
WORKERS = 2

#: How long a cold start may take: a production build of the frontend, then the workers.
START_TIMEOUT_S = 180


class TwoWorkerApp:
    """``reflex run --env prod`` on two Granian workers, on a free loopback port."""

    def __init__(
        self, workdir: Path, *, port: int | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.workdir = workdir
        #: Settings on top of this process's environment (say, a bucket to store in).
        self.env = dict(env or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / f"reflex-run-{self.runs}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        """Build and start; returns once both workers are up and the frontend is served."""
        self.runs += 1
        env = {
            **os.environ,
            "GRANIAN_WORKERS": str(WORKERS),
            # Never the checkout's .web (the dev tests' frontend) or .states.
            "REFLEX_WEB_WORKDIR": str(self.workdir / "web"),
            "REFLEX_STATES_WORKDIR": str(self.workdir / "states"),
            # The pages talk to the backend where the tests open them (Reflex's default is
            # http://localhost:<port>): one origin, as a deployment's public URL would be, so
            # the session cookie (SameSite=Strict, host-only) travels with every request.
            "REFLEX_API_URL": self.url,
            **self.env,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "reflex", "run", "--env", "prod"),
                    *("--frontend-port", str(self.port), "--backend-host", "127.0.0.1"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: stopping it reaches the workers it forked.
                start_new_session=True,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.poll() is None, f"reflex run exited:\n{self.log()}"
            if len(self.worker_pids()) == WORKERS and self._answers():
                return
            time.sleep(0.2)
        raise AssertionError(f"the app did not come up on {WORKERS} workers:\n{self.log()}")

    def _answers(self) -> bool:
        with contextlib.suppress(httpx.TransportError):
            # Fresh connections, so each worker is likely to answer one.
            pings = [httpx.get(f"{self.url}/ping", timeout=2) for _ in range(8)]
            page = httpx.get(f"{self.url}/images", timeout=5, follow_redirects=True)
            return all(p.is_success for p in pings) and page.is_success
        return False

    def worker_pids(self) -> list[int]:
        """The worker processes serving the port (children of Granian's supervisor)."""
        if self.process is None or self.process.poll() is not None:
            return []
        with contextlib.suppress(psutil.NoSuchProcess):
            children = psutil.Process(self.process.pid).children()
            return sorted(c.pid for c in children if c.status() != psutil.STATUS_ZOMBIE)
        return []

    def stop(self) -> None:
        """SIGTERM to Reflex (Granian stops its workers), SIGKILL to the group if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # A worker that outlived its supervisor is still in the group this run created.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Stop every worker, then start again on the same port (the frontend is rebuilt)."""
        self.stop()
        self.start()


class Worker(BackendProcess):
    """One more backend process of the app on a port of its own, sharing everything else."""

    def __init__(self, workdir: Path, name: str, *, port: int | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            workdir / f"worker-{name}-{time.monotonic_ns()}.log",
            port=port,
            env={
                "REFLEX_WEB_WORKDIR": str(workdir / f"web-{name}"),
                "REFLEX_STATES_WORKDIR": str(workdir / f"states-{name}"),
            },
        )
        self.name = name
        self.workdir = workdir

    def restarted(self) -> Worker:
        """Stop this process and start another on the same port: its start-up runs again."""
        self.stop()
        again = Worker(self.workdir, self.name, port=self.port)
        again.wait_ready()
        return again


class Pair(NamedTuple):
    """Two backend processes of the app, each on its own port."""

    a: Worker
    b: Worker


def start_pair(workdir: Path) -> Pair:
    """Start A and B side by side (a start takes ~5 s), then wait until both answer."""
    pair = Pair(Worker(workdir, "a"), Worker(workdir, "b"))
    try:
        pair.a.wait_ready()
        pair.b.wait_ready()
    except BaseException:
        pair.a.stop()
        pair.b.stop()
        raise
    return pair
