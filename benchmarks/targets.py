"""Where a path's uploads go, and how the benchmark knows each one was stored."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from benchmarks.servers import Server


@dataclasses.dataclass
class Target:
    """Where one path's uploads go, and how to know a file is stored (given its name)."""

    server: Server
    url: str
    headers: dict[str, str]
    directory: Path
    check: Callable[[httpx.Response, str], None]

    def post(self, client: httpx.Client, body: Iterator[bytes], headers: dict, name: str) -> None:
        response = client.post(self.url, content=body, headers={**self.headers, **headers})
        response.raise_for_status()
        self.check(response, name)


def anchor_ok(response: httpx.Response, name: str) -> None:
    if len(response.json()) != 1:
        raise RuntimeError(f"the anchor stored {response.text!r}")


def reflex_ok(response: httpx.Response, name: str) -> None:
    from tests.client import outcomes
    from upload_demo.pages.restricted import RestrictedState

    results = outcomes(response, RestrictedState)
    if len(results) != 1 or not results[0]["stored"]:
        raise RuntimeError(f"the app did not store the file: {results}")


def recorded(database: Path, name: str) -> bool:
    """Whether the app's database holds a record of a file uploaded as ``name``."""
    uri = f"file:{database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        query = "SELECT 1 FROM storedfile WHERE original_name = ?"
        return db.execute(query, (name,)).fetchone() is not None


def wait_for_record(database: Path, name: str, timeout: float = 120) -> None:
    """Until the record of ``name`` is committed (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while not recorded(database, name):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no record of {name} after {timeout} s")
        time.sleep(0.005)


def large_ok(database: Path) -> Callable[[httpx.Response, str], None]:
    """The streaming handler's check: 202 (body received), then its record committed."""

    def check(response: httpx.Response, name: str) -> None:
        if response.status_code != 202:
            raise RuntimeError(f"/large answered {response.status_code}: {response.text[:300]}")
        wait_for_record(database, name)

    return check
