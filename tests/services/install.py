"""Install the servers' Debian packages (as root, each group only when its binary is missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.services.postgres import PG_BIN
from tests.services.processes import ServiceError, log, run

#: Debian packages, each installed only when one of its binaries is missing.
PACKAGES: list[tuple[list[str], list[str]]] = [
    ([str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl")], ["postgresql"]),
    (["redis-server"], ["redis-server"]),
    (
        ["radosgw", "radosgw-admin", "ceph-mon", "ceph-osd", "monmaptool", "ceph"],
        ["radosgw", "ceph-mon", "ceph-osd"],
    ),
]


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
