"""The PostgreSQL and Redis of ``make services``, borrowed for one benchmark run.

The benchmark never starts or stops them: they are shared (other people's test
runs use them at the same time), and starting them may install system packages
with apt-get, which no one expects of ``make bench``. When they are not running,
the cases that need them are reported as not run, with the command that starts
them. When they run, the benchmark works only on what it creates: a scratch
database of its own on the PostgreSQL server (dropped at the end), and Redis keys
that all begin with a client token made for this run (deleted at the end), since
Reflex 0.10.1 has no key prefix and another Redis database number could be in use
by someone else.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable
from pathlib import Path

import psutil

#: What a reader is told to run when the servers are missing.
START_COMMAND = "make services"
#: How the benchmark's scratch databases begin (other people's test databases do not).
DATABASE_PREFIX = "upload_demo_concurrent_"


@dataclasses.dataclass(frozen=True)
class Services:
    """Where the running servers are: a PostgreSQL server URL, a Redis URL, Redis's pid."""

    pg_url: str
    redis_url: str
    redis_pid: int

    def cpu_meter(self, database: str) -> CpuMeter:
        """A counter of the CPU Redis and the PostgreSQL backends serving ``database`` use."""
        return CpuMeter(self.redis_pid, database)


class CpuMeter:
    """CPU time so far of Redis and of the PostgreSQL backends serving one database.

    The work the servers do for one case, which the app's workers' CPU leaves out.
    PostgreSQL runs a process per connection and names its database in the process
    title; Redis is one process, shared (others' use of it counts too, little). A
    backend that exits between two readings (the app's pool closing a connection)
    keeps the time it had when last seen, so the count never goes down.
    """

    def __init__(self, redis_pid: int, database: str) -> None:
        self._redis_pid = redis_pid
        self._database = database
        self._seen: dict[tuple[int, float], float] = {}

    def __call__(self) -> float:
        for process in psutil.process_iter(["pid", "cmdline", "create_time"]):
            title = " ".join(process.info["cmdline"] or [])
            if process.info["pid"] == self._redis_pid or (
                title.startswith("postgres:") and f" {self._database} " in f"{title} "
            ):
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = process.cpu_times()
                    key = (process.info["pid"], process.info["create_time"])
                    self._seen[key] = times.user + times.system
        return sum(self._seen.values())


def find(env_file: Path | None = None) -> Services | str:
    """The running servers of ``make services``, or why they cannot be used (a sentence).

    ``env_file``: the file ``make services`` writes (its usual place by default).
    """
    from tests.services import ENV_FILE, read_env, running

    env = read_env(env_file or ENV_FILE)
    if not env:
        return f"PostgreSQL and Redis are not running: start them with `{START_COMMAND}`"
    states = running(env)
    down = [program for program in ("postgres", "redis-server") if not states[program]]
    if down:
        return f"{' and '.join(down)} not running: start them with `{START_COMMAND}`"
    return Services(
        env["UPLOAD_DEMO_TEST_PG_URL"],
        env["UPLOAD_DEMO_TEST_REDIS_URL"],
        int(env["UPLOAD_DEMO_SERVICES_REDIS_PID"]),
    )


def scratch_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A new, empty database on the server of ``server_url`` (its URL), dropped on the way out."""
    from tests import scratch_db

    return scratch_db.scratch_database(server_url, DATABASE_PREFIX, linguistic=False)


def database_exists(server_url: str, name: str) -> bool:
    """Whether the server of ``server_url`` has a database called ``name``."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(server_url)
    try:
        with engine.connect() as connection:
            query = sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :name")
            return connection.execute(query, {"name": name}).first() is not None
    finally:
        engine.dispose()


def token_keys(redis_url: str, tokens: Iterable[str]) -> list[bytes]:
    """Every Redis key that starts with one of ``tokens`` (Reflex keys a client's data so)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return [key for token in tokens for key in client.scan_iter(match=f"{token}*", count=1000)]
    finally:
        client.close()


def forget_tokens(redis_url: str, tokens: Iterable[str]) -> int:
    """Delete the Redis keys of ``tokens`` (states, locks) and nothing else; how many."""
    import redis

    keys = token_keys(redis_url, tokens)
    if not keys:
        return 0
    client = redis.Redis.from_url(redis_url)
    try:
        deleted = client.delete(*keys)  # a sync client: an int, never an awaitable
        assert isinstance(deleted, int)
        return deleted
    finally:
        client.close()
