"""PostgreSQL 15 for ``make services``: initdb and pg_ctl in the temp dir, on loopback.

PostgreSQL refuses to run as root (``runuser -u postgres``), as measured in TOOLCHAIN.md
("Real servers for the scale tests").
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from tests.services.processes import run

PG_BIN = Path("/usr/lib/postgresql/15/bin")


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
