"""The processes behind ``make services``: run, spawn, watch and stop them; free ports.

The pitfalls measured in TOOLCHAIN.md ("Real servers for the scale tests") that live
here: ports checked free and each daemon's pid watched while waiting (a daemon that dies
is reported, not waited for); a zombie counts as stopped; SIGKILL after a timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

#: Ports a developer's own servers use: never picked, even when free.
USUAL_PORTS = frozenset({5432, 6379, 7480, 3300, 6789})

#: The signal each daemon shuts down cleanly on (PostgreSQL: SIGINT is its "fast" mode).
STOP_SIGNAL = {"postgres": signal.SIGINT}


class ServiceError(RuntimeError):
    """A server did not start (the message says which, and the tail of its log)."""


def log(message: str) -> None:
    print(f"services: {message}", flush=True)


# --- processes -----------------------------------------------------------------------


def _proc_state(pid: int) -> str | None:
    """The process's state letter from /proc (``Z`` for a zombie), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rpartition(")")[2].split()[0]


#: Executables whose file name is not their program's: Debian's redis-server is a
#: symlink to redis-check-rdb, which dispatches on its argv[0].
EXECUTABLES = {"redis-server": ("redis-server", "redis-check-rdb")}


def alive(pid: int, program: str) -> bool:
    """Is ``pid`` a live (not zombie) process running ``program``?

    Told by the process's executable (``/proc/PID/exe``), not its command line:
    redis-server rewrites its argv as a title, and a read while it does so sees an
    empty or partial one (that made a starting Redis look dead, 1 start in ~10).
    """
    if pid <= 0 or _proc_state(pid) in (None, "Z"):
        return False
    try:
        executable = Path(os.readlink(f"/proc/{pid}/exe")).name
    except OSError:  # gone meanwhile, or not ours to inspect
        return False
    return executable.removesuffix(" (deleted)") in EXECUTABLES.get(program, (program,))


def stop_pid(pid: int, program: str, timeout: float = 10.0) -> str:
    """Stop one daemon: its clean-shutdown signal, then SIGKILL after ``timeout`` seconds."""
    if not alive(pid, program):
        return "not running"
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, STOP_SIGNAL.get(program, signal.SIGTERM))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid, program):
            return "stopped"
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(pid, program) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "killed after SIGTERM timed out"


def run(args: list[str], timeout: float = 60, env: dict[str, str] | None = None) -> str:
    """Run a command, return its stdout; raise ServiceError with its output if it fails."""
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise ServiceError(f"{' '.join(args)} exited {done.returncode}:\n{output}")
    return done.stdout


def spawn(args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start a daemon in the foreground of its own session (it outlives this command)."""
    with log_path.open("ab") as out:
        return subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_for(
    what: str, ready: Callable[[], bool], pid: int, program: str, log_path: Path, timeout: float
) -> None:
    """Poll ``ready`` until true, failing at once if the daemon's pid dies meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive(pid, program):
            raise ServiceError(f"{what}: {program} (pid {pid}) died\n{tail(log_path)}")
        with contextlib.suppress(Exception):
            if ready():
                return
        if time.monotonic() > deadline:
            raise ServiceError(f"{what}: not ready after {timeout:.0f} s\n{tail(log_path)}")
        time.sleep(0.05)


# --- ports -----------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports from the kernel, none a usual server port."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in USUAL_PORTS and port not in ports:
            ports.append(port)
    return ports


def strays(directory: str) -> dict[int, str]:
    """Processes still working in ``directory`` (their cwd or an argument inside it).

    The temp dir's name is unique, so these are daemons of this start and nobody
    else's: one whose pid was never recorded (a start that failed in between) or a
    child left by a daemon.
    """
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            executable = Path(os.readlink(entry / "exe")).name
        except OSError:
            continue
        if _proc_state(int(entry.name)) in (None, "Z"):
            continue
        if Path(cwd).is_relative_to(directory) or any(directory in arg for arg in argv):
            found[int(entry.name)] = executable.removesuffix(" (deleted)")
    return found
