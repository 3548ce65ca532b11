"""32 concurrent 8 MiB uploads: the bare ``form()`` endpoint and the app on one worker and two.

Cases, interleaved round by round (rounds.py), each on a server of its own:

- ``bare form()``: the anchor (anchor_apps.py), one Granian worker; and the same
  anchor on two workers, the most a second worker can give on this machine;
- ``reflex buffered``: the restricted page's handler as deployed today, one worker,
  SQLite, Reflex's disk state manager;
- the same handler on the PostgreSQL and Redis of ``make services`` (a scratch
  database each, Reflex's Redis state manager), on one worker and on two.

One worker on Redis + PostgreSQL against today's gives the cost of the servers;
two workers against one on the same servers gives the gain of the second worker.
When the servers are not running those two cases are reported as not run, with
the command that starts them (services.py says why the benchmark does not start
them itself).
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from pathlib import Path

import sqlalchemy.engine

from benchmarks import services
from benchmarks.app_servers import buffered_target, reflex_app
from benchmarks.payload import MiB, Payload
from benchmarks.registry import Options, Result, benchmark
from benchmarks.rounds import ANCHOR, Case, all_tokens, concurrent_uploads
from benchmarks.servers import serving
from benchmarks.targets import Target, anchor_ok

ANCHOR_TWO = "bare form(), 2 workers"
TODAY = "reflex buffered"
ONE_WORKER = "reflex buffered, Redis + PostgreSQL, 1 worker"
TWO_WORKERS = "reflex buffered, Redis + PostgreSQL, 2 workers"


def _server_cases(
    stack: contextlib.ExitStack, scratch: Path, found: services.Services | str, uploads: int
) -> dict[str, Case]:
    """The app on PostgreSQL and Redis, one worker then two, each with its own database.

    The run's Redis keys (all under its own client tokens) are deleted once both
    servers have stopped, and each scratch database is dropped once its server has.
    """
    compared = {ONE_WORKER: (TODAY,), TWO_WORKERS: (ONE_WORKER, TODAY)}
    if isinstance(found, str):
        return {name: Case.of(None, uploads, reason=found) for name in compared}
    cases = {name: Case.of(None, uploads, *others) for name, others in compared.items()}
    stack.callback(services.forget_tokens, found.redis_url, list(all_tokens(cases)))
    for workers, name in ((1, ONE_WORKER), (2, TWO_WORKERS)):
        db_url = stack.enter_context(services.scratch_database(found.pg_url))
        folder = scratch / f"redis-pg-{workers}"
        app = stack.enter_context(
            reflex_app(folder, db_url=db_url, redis_url=found.redis_url, workers=workers)
        )
        database = sqlalchemy.engine.make_url(db_url).database or ""
        cases[name] = dataclasses.replace(
            cases[name],
            target=buffered_target(app, ""),
            services_cpu=found.cpu_meter(database),
        )
    return cases


def _anchor(stack: contextlib.ExitStack, folder: Path, workers: int) -> Target:
    """The bare ``form()`` endpoint on a server of its own, storing into ``folder``."""
    folder.mkdir()
    env = {"BENCH_UPLOAD_DIR": str(folder)}
    server = stack.enter_context(
        serving("benchmarks.anchor_apps:app", folder.with_suffix(".log"), env, workers)
    )
    return Target(server, f"{server.url}/buffered", {}, folder, anchor_ok)


def measure(runs: int, uploads: int, each: int, found: services.Services | str) -> list[Result]:
    """``runs`` rounds of ``uploads`` × ``each`` bytes at once on every case.

    ``found``: the PostgreSQL and Redis for the cases that need them, or why
    there are none (those cases are then reported as not run, with the reason).
    """
    scratch = Path(tempfile.mkdtemp(prefix="upload_demo-bench-"))
    try:
        payload = Payload.create(scratch, each)
        with contextlib.ExitStack() as stack:
            anchor_one = _anchor(stack, scratch / "anchor-1", workers=1)
            anchor_two = _anchor(stack, scratch / "anchor-2", workers=2)
            today = stack.enter_context(reflex_app(scratch / "sqlite-1"))
            cases = {
                ANCHOR: Case.of(anchor_one, uploads),
                ANCHOR_TWO: Case.of(anchor_two, uploads),
                # Each upload sends its case's own token: the target's is never used.
                TODAY: Case.of(buffered_target(today, ""), uploads),
            }
            cases |= _server_cases(stack, scratch, found, uploads)
            return concurrent_uploads(payload, cases, runs, each)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@benchmark(
    "concurrent",
    "32 concurrent 8 MiB uploads: bare form() vs the app on 1 worker and 2 (granian)",
)
def run(options: Options) -> list[Result]:
    """The runner's repeat count (--quick: one round, a smoke check)."""
    runs = 1 if options.quick else options.repeat
    return measure(runs, uploads=32, each=8 * MiB, found=services.find())
