"""The concurrent benchmark on the PostgreSQL and Redis of ``make services``: two workers.

Small (16 uploads of 1 MiB, one round) but real: both Granian workers must take
uploads and spend CPU on them, and the run must leave nothing behind on the
shared servers (its scratch databases dropped, its Redis keys deleted).
"""

from __future__ import annotations

import uuid

import redis
import sqlalchemy

from benchmarks import concurrent, services
from benchmarks.payload import MiB


def _found() -> services.Services:
    found = services.find()
    assert isinstance(found, services.Services), found
    return found


def _bench_databases(server_url: str) -> set[str]:
    engine = sqlalchemy.create_engine(server_url)
    try:
        with engine.connect() as connection:
            query = sqlalchemy.text("SELECT datname FROM pg_database WHERE datname LIKE :prefix")
            rows = connection.execute(query, {"prefix": f"{services.DATABASE_PREFIX}%"})
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def test_two_workers_both_take_uploads_and_nothing_is_left_behind() -> None:
    found = _found()
    databases_before = _bench_databases(found.pg_url)
    results = {r.case: r for r in concurrent.measure(1, uploads=16, each=MiB, found=found)}
    one = results["16× 1 MiB reflex buffered, Redis + PostgreSQL, 1 worker"]
    two = results["16× 1 MiB reflex buffered, Redis + PostgreSQL, 2 workers"]
    for result in results.values():
        assert result.measured and result.extra["errors"] == 0, result.note
    # One connection per upload, unless the client reused one whose upload was done.
    [(connections,)] = [w["connections"] for w in one.extra["workers"]]
    assert 0 < connections <= 16
    workers = two.extra["workers"]
    assert len(workers) == 2
    assert sum(w["connections"][0] for w in workers) <= 16
    # All (up to) 16 connections on one worker: a chance of 2 in 2**16 with a fair hash.
    assert all(w["connections"][0] > 0 and w["cpu_s"] > 0 for w in workers), workers
    assert set(two.extra["ratios"]) == {
        "16× 1 MiB reflex buffered, Redis + PostgreSQL, 1 worker",
        "16× 1 MiB reflex buffered",
    }
    for result in (one, two):
        [seconds] = result.extra["services_cpu_s"]
        assert seconds >= 0
    assert "services_cpu_s" not in results["16× 1 MiB reflex buffered"].extra
    assert _bench_databases(found.pg_url) == databases_before


def test_scratch_database_is_dropped_and_only_our_tokens_are_forgotten() -> None:
    found = _found()
    with services.scratch_database(found.pg_url) as url:
        name = sqlalchemy.engine.make_url(url).database
        assert name and services.database_exists(found.pg_url, name)
    assert not services.database_exists(found.pg_url, name)

    ours, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    client = redis.Redis.from_url(found.redis_url)
    try:
        for token in (ours, theirs):
            client.set(f"{token}_reflex___state____state", b"x", ex=60)
            client.set(f"{token}_lock", b"x", ex=60)
        assert len(services.token_keys(found.redis_url, [ours])) == 2
        assert services.forget_tokens(found.redis_url, [ours]) == 2
        assert services.token_keys(found.redis_url, [ours]) == []
        assert len(services.token_keys(found.redis_url, [theirs])) == 2
    finally:
        client.delete(f"{theirs}_reflex___state____state", f"{theirs}_lock")
        client.close()
