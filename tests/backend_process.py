"""The app's backend in a process of its own, and what that process holds open.

Tests that kill or restart the server need a real process: ``uvicorn
--factory`` on the app, with compiling skipped, as Reflex runs its production
backend. Its output goes to a log file the test can read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import httpx

from tests.conftest import ROOT


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackendProcess:
    """One run of the backend, from start to its end (stopped or killed)."""

    def __init__(
        self, log_path: Path, *, port: int | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # The child gets its own copy of the descriptor; ours is closed at once.
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", "--factory", "upload_demo.upload_demo:app"),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                    *("--log-level", "warning"),
                ],
                cwd=ROOT,
                env={**os.environ, **(env or {}), "REFLEX_SKIP_COMPILE": "true"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        """Until /ping answers; fails at once, with the log, if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the backend exited:\n{self.log()}"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/ping", timeout=1).is_success:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the backend did not answer /ping:\n{self.log()}")

    def freeze(self) -> None:
        """SIGSTOP: the process stops at once, between any two instructions."""
        self.process.send_signal(signal.SIGSTOP)
        # SIGSTOP is asynchronous: wait until the kernel reports the process stopped.
        deadline = time.monotonic() + 5
        while _proc_state(self.pid) != "T":
            assert time.monotonic() < deadline, "the backend did not stop"
            time.sleep(0.001)

    def kill(self) -> None:
        """SIGKILL, as a crash: no clean-up code runs (works on a frozen process too)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers; nothing if it has already ended."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        # A frozen process acts on SIGTERM only once it runs again.
        self.process.send_signal(signal.SIGCONT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _proc_state(pid: int) -> str:
    """The one-letter state in /proc/<pid>/stat (after the parenthesised command name)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


class Spool(NamedTuple):
    """An open anonymous temporary file: its descriptor number and link target."""

    fd: int
    target: str


def spool_files(pid: int) -> set[Spool]:
    """Anonymous (already unlinked) temporary files process ``pid`` holds open.

    Starlette spools an upload body bigger than 1 MB to such a file; it has no
    name on disk, and the kernel frees it when the last descriptor closes.
    """
    temp_dir = os.path.realpath(tempfile.gettempdir())
    fd_dir = Path(f"/proc/{pid}/fd")
    found = set()
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(temp_dir) and target.endswith("(deleted)"):
            found.add(Spool(int(fd.name), target))
    return found
