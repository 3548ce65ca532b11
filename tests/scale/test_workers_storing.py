"""Two backend processes storing at once: an ingest pool each, one copy of the same bytes.

Each test holds the table in PostgreSQL's SHARE mode from a connection of its own:
reads go on, every INSERT waits. An upload that reaches its record then sits in its
ingest thread with its file open, so what each process is doing can be read off the
database (the waiting INSERTs) and off ``/proc/PID/fd`` (the files it holds), at
leisure, before the lock is let go. The session database's 5 s ``lock_timeout``
bounds that leisure: a test lets go well within it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import reflex as rx
import sqlalchemy
import sqlalchemy.engine
import sqlmodel

from tests import client, samples
from tests.db import rows_named, tag
from tests.workers import Pair
from upload_demo.ingest_pool import INGEST_THREADS
from upload_demo.models import StoredFile
from upload_demo.pages.restricted import RestrictedState


def _psycopg_url() -> str:
    url = sqlalchemy.engine.make_url(os.environ["REFLEX_DB_URL"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def inserts_held() -> Iterator[None]:
    """Until the block ends, every INSERT into storedfile waits (reads do not)."""
    with psycopg.connect(_psycopg_url()) as holder:
        holder.execute("LOCK TABLE storedfile IN SHARE MODE")  # opens a transaction
        try:
            yield
        finally:
            holder.rollback()


def waiting_inserts() -> int:
    """INSERTs into storedfile waiting for a lock in the session database, from any process."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO storedfile%'"
    )
    with psycopg.connect(_psycopg_url()) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def files_held(pid: int, upload_dir: Path) -> set[str]:
    """Names in the upload dir that process ``pid`` has open (being stored, not committed)."""
    directory = upload_dir.resolve()
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = Path(os.readlink(fd))
            if target.parent == directory:
                held.add(target.name)
    return held


class Posts:
    """Upload requests sent on threads of their own, their answers kept by name."""

    def __init__(self) -> None:
        self.answers: dict[str, httpx.Response | BaseException] = {}
        self._threads: list[threading.Thread] = []

    def send(self, url: str, name: str, data: bytes) -> None:
        def post() -> None:
            try:
                self.answers[name] = client.post_upload(
                    url, RestrictedState.handle_upload, [(name, data)]
                )
            except BaseException as error:
                self.answers[name] = error

        thread = threading.Thread(target=post, name=name)
        self._threads.append(thread)
        thread.start()

    def outcomes(self) -> dict[str, dict[str, Any]]:
        """Each request's one outcome, once all have answered."""
        for thread in self._threads:
            thread.join(60)
        found = {}
        for name, answer in self.answers.items():
            assert isinstance(answer, httpx.Response), f"{name}: {answer!r}"
            assert answer.status_code == 200, answer.text[:300]
            (found[name],) = client.outcomes(answer, RestrictedState)
        return found


def test_each_worker_stores_in_its_own_pool_at_the_same_time(
    workers: Pair, upload_dir: Path
) -> None:
    """Six uploads to A and six to B at once: each process stores four (its pool) together.

    Eight files are held at the same moment, four by each process: more than
    one pool of ``INGEST_THREADS`` could hold, so both stored concurrently, and
    neither took a fifth, so each is capped by its own pool. Once the lock goes,
    all twelve are stored.
    """
    t = tag()
    per_worker = INGEST_THREADS + 2
    posts = Posts()
    names = {
        worker.name: [f"{t}-{worker.name}{i}.pdf" for i in range(per_worker)] for worker in workers
    }
    with inserts_held():
        for worker in workers:
            for name in names[worker.name]:
                posts.send(worker.url, name, samples.pdf_bytes(name))
        both = 2 * INGEST_THREADS
        wait_until(lambda: waiting_inserts() == both, 4, f"{both} waiting inserts")
        held = {worker.name: files_held(worker.pid, upload_dir) for worker in workers}
        time.sleep(0.3)  # room for a fifth upload per process, had its pool one more thread
        assert waiting_inserts() == both
        assert {name: len(files) for name, files in held.items()} == {
            "a": INGEST_THREADS,
            "b": INGEST_THREADS,
        }, held
    outcomes = posts.outcomes()
    assert all(outcome["stored"] for outcome in outcomes.values()), outcomes
    every_name = [name for group in names.values() for name in group]
    assert sorted(row.original_name for row in rows_named(*every_name)) == sorted(every_name)
    stored_names = {outcome["stored_name"] for outcome in outcomes.values()}
    assert held["a"] | held["b"] <= stored_names


def test_the_same_bytes_on_both_workers_at_once_are_stored_once(
    workers: Pair, upload_dir: Path
) -> None:
    """Both requests pass the duplicate lookup, then insert at the same moment.

    The two INSERTs are seen waiting together, one per process, so neither
    request could have found the other's row first: PostgreSQL's UNIQUE index on
    sha256 settles it, and the loser's answer is "already stored", its file gone.
    """
    t = tag()
    data = samples.pdf_bytes(f"the same bytes {t}")
    sha = hashlib.sha256(data).hexdigest()
    posts = Posts()
    with inserts_held():
        for worker in workers:
            posts.send(worker.url, f"{t}-via-{worker.name}.pdf", data)
        wait_until(lambda: waiting_inserts() == 2, 4, "both inserts waiting")
        assert all(len(files_held(worker.pid, upload_dir)) == 1 for worker in workers)
    outcomes = posts.outcomes()
    stored = [o for o in outcomes.values() if o["stored"]]
    repeats = [o for o in outcomes.values() if not o["stored"]]
    assert len(stored) == 1 and len(repeats) == 1, outcomes
    (winner,), (loser,) = stored, repeats
    assert loser["duplicate_of"] == winner["stored_name"]
    assert loser["message"].startswith(f"already stored as {winner['name']} "), loser["message"]
    with rx.session() as session:
        rows = session.exec(sqlmodel.select(StoredFile).where(StoredFile.sha256 == sha)).all()
    assert [row.original_name for row in rows] == [winner["name"]]
    # The loser published its file before its INSERT failed: that file is gone again.
    assert (upload_dir / winner["stored_name"]).read_bytes() == data
    assert [name for name in os.listdir(upload_dir) if _holds(upload_dir / name, data)] == [
        winner["stored_name"]
    ]


def _holds(path: Path, data: bytes) -> bool:
    return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
