"""An ASGI app in a server process of its own, and the peak of its resident memory.

Every upload path is served by the server ``reflex run --env prod`` uses in
Reflex 0.10.1 when gunicorn is absent (as here): Granian, one worker, so the
anchors and the app get the same server, the same client and the same disk.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent

#: glibc settings that stop a fresh process running streaming paths 20-50 % slow
#: (see the toolchain notes); applied to every server alike.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "67108864"}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``granian --factory target`` on a free port, its output in ``log_path``."""

    def __init__(self, target: str, log_path: Path, env: Mapping[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
                    *("--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"),
                    *("--log-level", "warning", target),
                ],
                cwd=ROOT,
                env={**os.environ, **MALLOC_ENV, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, path: str = "/ping", timeout: float = 90) -> None:
        """Until ``path`` answers; fails at once, with the log, if the server dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_path.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}{path}", timeout=1).is_success:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer {path}:\n{self.log_path.read_text()}")

    def rss(self) -> int:
        """Resident bytes of the server and its workers together."""
        total = 0
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(self.process.pid)
            for proc in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
        return total

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def serving(target: str, log_path: Path, env: Mapping[str, str]) -> Iterator[Server]:
    """A started, answering server, stopped on the way out."""
    server = Server(target, log_path, env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def peak_rss_growth(server: Server, interval: float = 0.02) -> Iterator[list[int]]:
    """Sample the server's RSS while the block runs; the list then holds the peak growth."""
    baseline = server.rss()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss())
            done.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    growth: list[int] = []
    try:
        yield growth
    finally:
        done.set()
        thread.join()
        growth.append(max(0, max(peak, server.rss()) - baseline))
