"""Redis 7 for ``make services``: a password, no persistence, in the temp dir, on loopback."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

from tests.services.processes import spawn, wait_for


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
