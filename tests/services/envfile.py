"""The env file of ``make services``: the servers' URLs, credentials, temp dir and pids.

Shell ``KEY=VALUE`` lines (``set -a; source FILE`` in a shell, :func:`read_env` in Python).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
#: Where the env file lives (ignored, under .tools/); the servers' state is in a temp dir.
STATE_DIR = ROOT / ".tools" / "services"
ENV_FILE = STATE_DIR / "env"


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
