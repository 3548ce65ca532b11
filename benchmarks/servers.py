"""An ASGI app in a server process of its own, and the peak of its resident memory.

Every upload path is served by the server ``reflex run --env prod`` uses in
Reflex 0.10.1 when gunicorn is absent (as here): Granian, one worker unless a
case asks for more, so the anchors and the app get the same server, the same
client and the same disk. With several workers, Granian on Linux has each
worker bind its own listening socket on the port (``SO_REUSEPORT``; ``ss -ltnp``
shows one LISTEN line per worker pid): the kernel hands each new connection to
one of them by a hash of its addresses, so a connection, and every request on
it, stays with one worker.
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

#: Settings a server never inherits from the benchmark's own environment (a test
#: session under ``make test-scale`` has the first two): each case names its own.
NOT_INHERITED = (
    "REFLEX_REDIS_URL",
    "REFLEX_DB_URL",
    "REFLEX_ASYNC_DB_URL",
    "REFLEX_STATE_MANAGER_MODE",
    "UPLOAD_DEMO_STORAGE",
)


def environment(env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without :data:`NOT_INHERITED`, then ``env`` on top."""
    inherited = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return {**inherited, **MALLOC_ENV, **env}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``granian --factory target``, ``workers`` workers, on a free port; output in ``log_path``."""

    def __init__(
        self, target: str, log_path: Path, env: Mapping[str, str], workers: int = 1
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                    *("--workers", str(workers), "--log-level", "warning", target),
                ],
                cwd=ROOT,
                env=environment(env),
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

    def wait_workers(self, timeout: float = 90) -> None:
        """Until each of the ``workers`` workers listens on the port.

        One worker answering ``/ping`` says nothing of the others. A Granian worker
        binds its socket only after it has imported the app and run its start-up, so
        a listening socket per worker means every one of them takes connections.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_path.read_text()}")
            if len(self.listening()) >= self.workers:
                return
            time.sleep(0.1)
        raise RuntimeError(f"not every worker listens:\n{self.log_path.read_text()}")

    def listening(self) -> list[int]:
        """The workers that hold a listening socket on the server's port."""
        pids = []
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                sockets = psutil.Process(pid).net_connections(kind="tcp")
                if any(
                    c.status == psutil.CONN_LISTEN and c.laddr.port == self.port for c in sockets
                ):
                    pids.append(pid)
        return pids

    def worker_pids(self) -> list[int]:
        """The pids of Granian's worker processes (its supervisor's children), sorted."""
        with contextlib.suppress(psutil.NoSuchProcess):
            return sorted(p.pid for p in psutil.Process(self.process.pid).children())
        return []

    def cpu_seconds(self) -> dict[int, float]:
        """CPU time (user + system) each worker has used so far, by pid."""
        seconds: dict[int, float] = {}
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = psutil.Process(pid).cpu_times()
                seconds[pid] = times.user + times.system
        return seconds

    def connections(self) -> dict[int, int]:
        """Established client connections each worker holds on the server's port, by pid.

        How the kernel spread the connections open right now: counted from each
        worker's own sockets, nothing in the app is involved.
        """
        counts: dict[int, int] = {}
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                counts[pid] = sum(
                    1
                    for c in psutil.Process(pid).net_connections(kind="tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == self.port
                )
        return counts

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
def serving(
    target: str, log_path: Path, env: Mapping[str, str], workers: int = 1
) -> Iterator[Server]:
    """A started server whose every worker answers, stopped on the way out."""
    server = Server(target, log_path, env, workers)
    try:
        server.wait_ready()
        server.wait_workers()
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
