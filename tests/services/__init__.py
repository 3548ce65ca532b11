"""Real PostgreSQL 15, Redis 7 and Ceph RGW on loopback, for ``make test-scale``.

``python -m tests.services start|stop|status`` (``make services``, ``make services-stop``).

``start`` installs what is missing (Debian packages, as root, each group only when its
binary is missing), then starts every server with all its state in ONE temporary
directory, on free loopback ports (never the usual 5432, 6379 or 7480, so a developer's
own servers are left alone), and writes :data:`ENV_FILE`: shell ``KEY=VALUE`` lines with
the URLs, credentials, the bucket it created, the temp dir and every daemon's pid
(``set -a; source FILE`` in a shell, :func:`read_env` in Python). ``start`` while they
run reports and reuses them; ``stop`` stops exactly the recorded pids (each checked to
still be the program it was, so a recycled pid is never signalled) and removes the temp
dir; ``status`` says what runs.

One module a job: :mod:`.processes` (pids, spawn, run, wait, ports), :mod:`.envfile`,
:mod:`.install`, :mod:`.postgres`, :mod:`.redis`, :mod:`.ceph`; this one starts, stops
and reports them all, and :mod:`.__main__` is the command line. The recipes and their
pitfalls are the ones measured in TOOLCHAIN.md ("Real servers for the scale tests"),
each noted in the module it concerns.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.services.ceph import BUCKET, REGION, ceph_conf, create_bucket, s3_client, start_ceph
from tests.services.envfile import ENV_FILE, ROOT, STATE_DIR, read_env, write_env
from tests.services.install import PACKAGES, install_missing
from tests.services.postgres import PG_BIN, start_postgres
from tests.services.processes import (
    EXECUTABLES,
    STOP_SIGNAL,
    USUAL_PORTS,
    ServiceError,
    alive,
    free_ports,
    log,
    port_is_free,
    run,
    spawn,
    stop_pid,
    strays,
    tail,
    wait_for,
)
from tests.services.redis import redis_ping, start_redis

__all__ = [
    "BUCKET",
    "DAEMONS",
    "ENV_FILE",
    "EXECUTABLES",
    "PACKAGES",
    "PG_BIN",
    "REGION",
    "ROOT",
    "STATE_DIR",
    "STOP_SIGNAL",
    "USUAL_PORTS",
    "ServiceError",
    "alive",
    "ceph_conf",
    "create_bucket",
    "free_ports",
    "install_missing",
    "log",
    "port_is_free",
    "read_env",
    "redis_ping",
    "run",
    "running",
    "s3_client",
    "spawn",
    "start",
    "start_ceph",
    "start_postgres",
    "start_redis",
    "status",
    "stop",
    "stop_pid",
    "strays",
    "tail",
    "wait_for",
    "write_env",
]

#: Each daemon's env key (its pid) and the program its /proc cmdline must show.
DAEMONS: dict[str, str] = {
    "UPLOAD_DEMO_SERVICES_PG_PID": "postgres",
    "UPLOAD_DEMO_SERVICES_REDIS_PID": "redis-server",
    "UPLOAD_DEMO_SERVICES_CEPH_MON_PID": "ceph-mon",
    "UPLOAD_DEMO_SERVICES_CEPH_OSD_PID": "ceph-osd",
    "UPLOAD_DEMO_SERVICES_RGW_PID": "radosgw",
}


def running(env: dict[str, str]) -> dict[str, bool]:
    """Each recorded daemon: is it still running?"""
    return {
        program: key in env and alive(int(env[key]), program) for key, program in DAEMONS.items()
    }


def stop(env: dict[str, str]) -> None:
    """Stop the recorded daemons, last started first, any stray of theirs, and the temp dir."""
    for key, program in reversed(DAEMONS.items()):
        if key in env:
            log(f"{program} (pid {env[key]}): {stop_pid(int(env[key]), program)}")
    directory = env.get("UPLOAD_DEMO_SERVICES_DIR")
    if directory and Path(directory).name.startswith("upload_demo-services-"):
        for pid, executable in strays(directory).items():
            log(f"{executable} (pid {pid}, not recorded): {stop_pid(pid, executable)}")
        shutil.rmtree(directory, ignore_errors=True)
    ENV_FILE.unlink(missing_ok=True)


@contextlib.contextmanager
def _cleanup_on_failure(env: dict[str, str]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        log("start failed: stopping what had started")
        stop(env)
        raise


def start() -> dict[str, str]:
    """Start the three servers (or reuse them if they all run); the env file's values."""
    env = read_env()
    if env:
        states = running(env)
        if all(states.values()):
            log(f"already running (state in {env['UPLOAD_DEMO_SERVICES_DIR']}); reusing them")
            return env
        dead = ", ".join(p for p, up in states.items() if not up)
        log(f"a previous start is half gone ({dead} not running): stopping the rest")
        stop(env)
    started = time.monotonic()
    install_missing()
    installed = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="upload_demo-services-"))
    # The postgres user must reach its own folder inside (root's mkdtemp makes it 0700).
    base.chmod(0o711)
    pg_port, redis_port, mon_port, rgw_port = free_ports(4)
    for port in (pg_port, redis_port, mon_port, rgw_port):
        if not port_is_free(port):
            raise ServiceError(f"port {port} was taken meanwhile: run start again")
    env = {"UPLOAD_DEMO_SERVICES_DIR": str(base)}
    with _cleanup_on_failure(env):
        write_env(env)  # so a `stop` after a crash here still finds the temp dir
        timings: list[str] = []
        for name, begin in (
            ("postgres", lambda: start_postgres(base, pg_port, env)),
            ("redis", lambda: start_redis(base, redis_port, env)),
            ("ceph rgw", lambda: start_ceph(base, mon_port, rgw_port, env)),
        ):
            t0 = time.monotonic()
            begin()
            write_env(env)
            timings.append(f"{name} {time.monotonic() - t0:.1f} s")
    done = time.monotonic()
    install = f"install {installed - started:.1f} s, " if installed - started > 0.5 else ""
    log(f"started in {done - started:.1f} s ({install}{', '.join(timings)}); state in {base}")
    log(f"env file: {ENV_FILE}")
    return env


def status() -> int:
    env = read_env()
    if not env:
        log("not started (no env file)")
        return 1
    states = running(env)
    for key, program in DAEMONS.items():
        pid = env.get(key, "-")
        log(f"{program:13} pid {pid:>7}  {'running' if states[program] else 'NOT running'}")
    for key in (
        "UPLOAD_DEMO_TEST_PG_URL",
        "UPLOAD_DEMO_TEST_REDIS_URL",
        "UPLOAD_DEMO_TEST_S3_ENDPOINT",
    ):
        if key in env:
            log(f"{key}={re.sub(r':[^:/@]+@', ':***@', env[key])}")  # passwords: see the file
    log(f"state in {env.get('UPLOAD_DEMO_SERVICES_DIR')}, env file {ENV_FILE}")
    return 0 if all(states.values()) else 1
