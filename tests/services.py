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

The recipes and their pitfalls are the ones measured in TOOLCHAIN.md ("Real servers for
the scale tests"): PostgreSQL refuses to run as root (``runuser -u postgres``); radosgw
needs ``ms mon client mode = crc`` with auth ``none``; short paxos intervals; ``cluster
addr`` or the OSD listens on every interface; memstore; short RGW garbage collection;
ports checked free and each daemon's pid watched while waiting (a daemon that dies is
reported, not waited for); a zombie counts as stopped; SIGKILL after a timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the env file lives (ignored, under .tools/); the servers' state is in a temp dir.
STATE_DIR = ROOT / ".tools" / "services"
ENV_FILE = STATE_DIR / "env"

PG_BIN = Path("/usr/lib/postgresql/15/bin")
#: Ports a developer's own servers use: never picked, even when free.
USUAL_PORTS = frozenset({5432, 6379, 7480, 3300, 6789})
REGION = "us-east-1"
BUCKET = "upload-demo-test"

#: Each daemon's env key (its pid) and the program its /proc cmdline must show.
DAEMONS: dict[str, str] = {
    "UPLOAD_DEMO_SERVICES_PG_PID": "postgres",
    "UPLOAD_DEMO_SERVICES_REDIS_PID": "redis-server",
    "UPLOAD_DEMO_SERVICES_CEPH_MON_PID": "ceph-mon",
    "UPLOAD_DEMO_SERVICES_CEPH_OSD_PID": "ceph-osd",
    "UPLOAD_DEMO_SERVICES_RGW_PID": "radosgw",
}
#: The signal each daemon shuts down cleanly on (PostgreSQL: SIGINT is its "fast" mode).
STOP_SIGNAL = {"postgres": signal.SIGINT}

#: Debian packages, each installed only when one of its binaries is missing.
PACKAGES: list[tuple[list[str], list[str]]] = [
    ([str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl")], ["postgresql"]),
    (["redis-server"], ["redis-server"]),
    (
        ["radosgw", "radosgw-admin", "ceph-mon", "ceph-osd", "monmaptool", "ceph"],
        ["radosgw", "ceph-mon", "ceph-osd"],
    ),
]


class ServiceError(RuntimeError):
    """A server did not start (the message says which, and the tail of its log)."""


def log(message: str) -> None:
    print(f"services: {message}", flush=True)


# --- the env file ------------------------------------------------------------------


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    """The env file's ``KEY=VALUE`` lines ({} when there is none)."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def write_env(values: dict[str, str], path: Path = ENV_FILE) -> None:
    """Write the env file atomically, readable by its owner only (it holds credentials)."""
    for key, value in values.items():
        # Plain values only: the file is sourced by a shell without quoting.
        assert value and all(c.isalnum() or c in "+:/@._-=" for c in value), (key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    lines = ["# Written by `python -m tests.services start` (make services). Do not edit."]
    lines += [f"{key}={value}" for key, value in values.items()]
    temp.write_text("\n".join(lines) + "\n")
    temp.chmod(0o600)
    os.replace(temp, path)


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


# --- installing --------------------------------------------------------------------


def _missing(binary: str) -> bool:
    return not (Path(binary).is_file() if binary.startswith("/") else shutil.which(binary))


def install_missing() -> None:
    """apt-get install the packages whose binaries are missing (root only; else say what)."""
    wanted = [pkg for binaries, pkgs in PACKAGES if any(map(_missing, binaries)) for pkg in pkgs]
    if not wanted:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServiceError(f"missing programs: install the packages {' '.join(wanted)}")
    log(f"installing {' '.join(wanted)} with apt-get")
    started = time.monotonic()
    command = ["apt-get", "install", "-y", "--no-install-recommends", *wanted]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
        run(["apt-get", "update"], timeout=600)
        run(command, timeout=900, env=env)
    log(f"installed in {time.monotonic() - started:.1f} s")
    still = [b for binaries, _ in PACKAGES for b in binaries if _missing(b)]
    if still:
        raise ServiceError(f"still missing after apt-get: {' '.join(still)}")


# --- PostgreSQL --------------------------------------------------------------------


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the package's postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_postgres(base: Path, port: int, env: dict[str, str]) -> None:
    pg = base / "postgres"
    pg.mkdir()
    password = secrets.token_hex(16)
    (pg / "pwfile").write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pg, "postgres", "postgres")
        shutil.chown(pg / "pwfile", "postgres", "postgres")
    run(
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(pg / "data"),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={pg / 'pwfile'}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    )
    (pg / "pwfile").unlink()
    options = f"-p {port} -k {pg} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(pg / "data"),
                "-l",
                str(pg / "log"),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "start",
            ]
        )
    )
    pid = int((pg / "data" / "postmaster.pid").read_text().split()[0])
    env["UPLOAD_DEMO_SERVICES_PG_PID"] = str(pid)
    env["UPLOAD_DEMO_TEST_PG_URL"] = (
        f"postgresql+psycopg://postgres:{password}@127.0.0.1:{port}/postgres"
    )


# --- Redis -------------------------------------------------------------------------


def redis_ping(port: int, password: str) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(f"AUTH {password}\r\nPING\r\n".encode())
        answer = b""
        while answer.count(b"\r\n") < 2:
            chunk = conn.recv(256)
            if not chunk:
                break
            answer += chunk
    return answer == b"+OK\r\n+PONG\r\n"


def start_redis(base: Path, port: int, env: dict[str, str]) -> None:
    directory = base / "redis"
    directory.mkdir()
    password = secrets.token_hex(16)
    conf = directory / "redis.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\nprotected-mode yes\nrequirepass {password}\n"
        f'save ""\nappendonly no\ndir {directory}\ndaemonize no\n'
    )
    conf.chmod(0o600)
    process = spawn(["redis-server", str(conf)], directory / "log")
    env["UPLOAD_DEMO_SERVICES_REDIS_PID"] = str(process.pid)  # before waiting: stop finds it
    wait_for(
        "redis",
        lambda: redis_ping(port, password),
        process.pid,
        "redis-server",
        directory / "log",
        15,
    )
    env["UPLOAD_DEMO_TEST_REDIS_URL"] = f"redis://:{password}@127.0.0.1:{port}/0"


# --- Ceph RGW ----------------------------------------------------------------------


def ceph_conf(ceph: Path, fsid: str, mon_port: int, rgw_port: int) -> str:
    return f"""[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{mon_port}
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = {ceph}/run
admin socket = {ceph}/run/$name.asok
log file = {ceph}/log/$name.log
crash dir = {ceph}/crash
mon data = {ceph}/mon/$id
osd data = {ceph}/osd/$id
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true

[mon]
paxos propose interval = 0.1
paxos min wait = 0.01

[osd]
osd objectstore = memstore
memstore device bytes = 1073741824

[client]
ms mon client mode = crc

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw data = {ceph}/rgw
rgw gc obj min wait = 10
rgw gc processor period = 10
rgw gc processor max time = 10
"""


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def _osd_up(conf: Path, osd_id: int) -> bool:
    dump = json.loads(
        run(
            ["ceph", "-c", str(conf), "--connect-timeout", "5", "osd", "dump", "-f", "json"],
            timeout=15,
        )
    )
    return any(osd["osd"] == osd_id and osd["up"] == 1 for osd in dump["osds"])


def _http_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def start_ceph(base: Path, mon_port: int, rgw_port: int, env: dict[str, str]) -> None:
    ceph = base / "ceph"
    for sub in ("run", "log", "crash", "mon", "osd", "rgw"):
        (ceph / sub).mkdir(parents=True)
    fsid = str(uuid.uuid4())
    conf = ceph / "ceph.conf"
    conf.write_text(ceph_conf(ceph, fsid, mon_port, rgw_port))
    c = ["-c", str(conf)]
    run(
        [
            "monmaptool",
            "--create",
            "--fsid",
            fsid,
            "--addv",
            "a",
            f"[v2:127.0.0.1:{mon_port}]",
            str(ceph / "monmap"),
        ]
    )
    run(["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", str(ceph / "monmap")])
    mon = spawn(["ceph-mon", *c, "-i", "a", "-f"], ceph / "log" / "mon.out")
    env["UPLOAD_DEMO_SERVICES_CEPH_MON_PID"] = str(mon.pid)
    mon_log = ceph / "log" / "mon.a.log"
    wait_for("ceph-mon", lambda: _accepts(mon_port), mon.pid, "ceph-mon", mon_log, 30)
    osd_uuid = str(uuid.uuid4())
    # `osd new` is the first command the mon answers: it waits for the mon to form its quorum.
    osd_id = run(
        ["ceph", *c, "--connect-timeout", "20", "osd", "new", osd_uuid], timeout=30
    ).strip()
    if not alive(mon.pid, "ceph-mon"):
        raise ServiceError(f"ceph-mon died\n{tail(mon_log)}")
    (ceph / "osd" / osd_id).mkdir()
    run(["ceph-osd", *c, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid])
    osd = spawn(["ceph-osd", *c, "-i", osd_id, "-f"], ceph / "log" / "osd.out")
    env["UPLOAD_DEMO_SERVICES_CEPH_OSD_PID"] = str(osd.pid)
    wait_for(
        "ceph-osd up",
        lambda: _osd_up(conf, int(osd_id)),
        osd.pid,
        "ceph-osd",
        ceph / "log" / f"osd.{osd_id}.log",
        60,
    )
    rgw = spawn(["radosgw", *c, "-n", "client.rgw.a", "-f"], ceph / "log" / "rgw.out")
    env["UPLOAD_DEMO_SERVICES_RGW_PID"] = str(rgw.pid)
    wait_for(
        "radosgw",
        lambda: _http_ok(rgw_port),
        rgw.pid,
        "radosgw",
        ceph / "log" / "client.rgw.a.log",
        60,
    )
    access, secret = secrets.token_hex(10).upper(), secrets.token_hex(20)
    run(
        [
            "radosgw-admin",
            *c,
            "user",
            "create",
            "--uid=test",
            "--display-name=test",
            f"--access-key={access}",
            f"--secret-key={secret}",
        ],
        timeout=30,
    )
    env["UPLOAD_DEMO_TEST_S3_ENDPOINT"] = f"http://127.0.0.1:{rgw_port}"
    env["AWS_ACCESS_KEY_ID"] = access
    env["AWS_SECRET_ACCESS_KEY"] = secret
    env["AWS_DEFAULT_REGION"] = REGION
    create_bucket(env)
    env["UPLOAD_DEMO_TEST_S3_BUCKET"] = BUCKET


def s3_client(env: dict[str, str]):
    """A boto3 S3 client for the env file's RGW (path-style, as RGW without DNS needs)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=env["UPLOAD_DEMO_TEST_S3_ENDPOINT"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def create_bucket(env: dict[str, str]) -> None:
    # A fresh user's first request can meet RGW still settling its pools: retry briefly.
    deadline = time.monotonic() + 20
    while True:
        try:
            s3_client(env).create_bucket(Bucket=BUCKET)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- the commands ------------------------------------------------------------------


def running(env: dict[str, str]) -> dict[str, bool]:
    """Each recorded daemon: is it still running?"""
    return {
        program: key in env and alive(int(env[key]), program) for key, program in DAEMONS.items()
    }


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.services",
        description="Real PostgreSQL, Redis and Ceph RGW on loopback.",
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    command = parser.parse_args(argv).command
    try:
        if command == "start":
            start()
            return 0
        if command == "stop":
            env = read_env()
            if not env:
                log("nothing to stop (no env file)")
                return 0
            stop(env)
            return 0
        return status()
    except ServiceError as error:
        print(f"services: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
