"""Rounds of many uploads at once, each case in turn, and one row per case.

Every round sends ``uploads`` files of ``each`` bytes at once to one case, then
to the next (the cases take turns, as ``time_runs`` does), after one untimed
warm-up round. Each round opens fresh connections from a loopback address of
its own, as that many new users would: with several workers the kernel spreads
connections over the workers' sockets by a hash of their addresses, and each
round samples that spread anew instead of keeping the first round's. Each
upload has a client token of its own (Reflex runs one token's events one at a
time) and each case its own tokens, so no two servers ever share a state.
Every stored file's SHA-256 is checked against what was sent, outside the timing.

For a case on several workers the row shows what each worker did, read from
the operating system, not from the app: how many of the round's connections
each worker's socket accepted (one upload each, but for the rare connection
the client reuses once its first upload is done) and the CPU time each used.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import statistics
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import psutil

from benchmarks.payload import MiB, Payload, empty, multipart, new_nonce, stored_hashes
from benchmarks.registry import Result
from benchmarks.rows import mb_per_s, not_run, path_result
from benchmarks.servers import peak_rss_growth
from benchmarks.targets import Target

#: The case every other concurrent case is measured against.
ANCHOR = "bare form()"
#: The name the rows carry in the table (the registered benchmark, concurrent.py).
BENCHMARK = "concurrent"


@dataclasses.dataclass(frozen=True)
class Case:
    """One set-up under concurrent uploads: where they go (None: not run, and why)."""

    target: Target | None
    tokens: tuple[str, ...]
    #: Other cases (by name) this one's median is divided by, e.g. two workers by one.
    compared: tuple[str, ...] = ()
    reason: str = ""
    #: CPU seconds so far of the servers the app uses (PostgreSQL, Redis), if any.
    services_cpu: Callable[[], float] | None = None

    @classmethod
    def of(cls, target: Target | None, uploads: int, *compared: str, reason: str = "") -> Case:
        """A case with ``uploads`` fresh client tokens, one per upload."""
        tokens = tuple(str(uuid.uuid4()) for _ in range(uploads))
        return cls(target, tokens, compared, reason)


@dataclasses.dataclass
class _Tally:
    """What one case's measured rounds gave."""

    seconds: list[float] = dataclasses.field(default_factory=list)
    rss: list[int] = dataclasses.field(default_factory=list)
    errors: int = 0
    cpu: dict[int, float] = dataclasses.field(default_factory=dict)
    splits: list[list[int]] = dataclasses.field(default_factory=list)
    #: Per round: the machine's busy cores (every process, other people's too) and the
    #: benchmark client's own, averaged over the round.
    machine_cores: list[float] = dataclasses.field(default_factory=list)
    client_cores: list[float] = dataclasses.field(default_factory=list)
    services_cpu: list[float] = dataclasses.field(default_factory=list)


def _busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy (not idle, not waiting on I/O)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _own_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def _round(
    case: Case, target: Target, payload: Payload, each: int, source: str, tally: _Tally | None
) -> None:
    """One round of ``len(case.tokens)`` uploads at once, from address ``source``.

    Recorded in ``tally``, unless it is the warm-up (None).
    """
    uploads = len(case.tokens)
    bodies = [b"".join(payload.chunks(new_nonce(), each)) for _ in range(uploads)]
    sent = sorted(hashlib.sha256(b).hexdigest() for b in bodies)
    limits = httpx.Limits(max_connections=uploads, max_keepalive_connections=uploads)

    def one(index: int) -> bool:
        name = f"c{index}.pdf"
        body, headers = multipart(iter([bodies[index]]), each, name)
        headers["Reflex-Client-Token"] = case.tokens[index]
        try:
            target.post(client, body, headers, name)
        except (httpx.HTTPError, RuntimeError):
            return False
        return True

    services_cpu = case.services_cpu or (lambda: 0.0)
    cpu_before, services_before = target.server.cpu_seconds(), services_cpu()
    machine_before, own_before = _busy_seconds(), _own_seconds()
    with (
        httpx.Client(
            timeout=600, transport=httpx.HTTPTransport(limits=limits, local_address=source)
        ) as client,
        peak_rss_growth(target.server) as growth,
    ):
        with concurrent.futures.ThreadPoolExecutor(uploads) as pool:
            start = time.perf_counter()
            ok = list(pool.map(one, range(uploads)))
            elapsed = time.perf_counter() - start
        # The round's connections are still open (kept alive): where did each land?
        split = target.server.connections()
    cpu_after, services_after = target.server.cpu_seconds(), services_cpu()
    machine, own = _busy_seconds() - machine_before, _own_seconds() - own_before
    stored = stored_hashes(target.directory)
    empty(target.directory)
    if tally is None:
        return
    tally.seconds.append(elapsed)
    tally.rss.append(growth[0])
    tally.errors += ok.count(False) + (0 if stored == sent else 1)
    tally.splits.append([split[pid] for pid in sorted(split)])
    tally.machine_cores.append(machine / elapsed)
    tally.client_cores.append(own / elapsed)
    tally.services_cpu.append(services_after - services_before)
    for pid, used in cpu_after.items():
        tally.cpu[pid] = tally.cpu.get(pid, 0.0) + used - cpu_before.get(pid, used)


def _workers_note(tally: _Tally) -> str:
    """The server's CPU per round, by worker, and (several workers) each one's connections."""
    rounds = len(tally.seconds)
    cpu = "+".join(f"{tally.cpu[pid] / rounds:.2f}" for pid in sorted(tally.cpu))
    if len(tally.cpu) == 1:
        return f"server CPU {cpu} s per round"
    splits = " ".join("+".join(str(n) for n in split) for split in tally.splits)
    return f"{len(tally.cpu)} workers: CPU {cpu} s per round, connections {splits}"


def _source_address(round_number: int) -> str:
    """The loopback address a round's connections come from: another one each round.

    Linux reuses a closed connection's local port at once on loopback
    (``net.ipv4.tcp_tw_reuse = 2``), so rounds from one address tend to get the same
    ports, hence the same hashes and the same split over the workers every round (seen:
    17+15 three times). A new address gives each round a split of its own, so the median
    over rounds is that of many splits, as new users from other addresses would bring.
    """
    return f"127.0.0.{2 + round_number % 250}"


def _rounds(cases: dict[str, Case], payload: Payload, runs: int, each: int) -> dict[str, _Tally]:
    tallies = {name: _Tally() for name, case in cases.items() if case.target is not None}
    for round_number in range(1 + runs):
        source = _source_address(round_number)
        for name, case in cases.items():
            if case.target is not None:
                tally = tallies[name] if round_number else None
                _round(case, case.target, payload, each, source, tally)
    return tallies


def concurrent_uploads(
    payload: Payload, cases: dict[str, Case], runs: int, each: int
) -> list[Result]:
    """``runs`` rounds of every case (after a warm-up); one row per case, in ``cases``' order.

    Each row's ratios (to the anchor, and to its ``compared`` cases) divide medians
    of the same interleaved rounds.
    """
    uploads = {len(case.tokens) for case in cases.values()}
    assert len(uploads) == 1, "every case sends the same number of uploads"
    count = uploads.pop()
    tallies = _rounds(cases, payload, runs, each)

    def label(name: str) -> str:
        return f"{count}× {each // MiB} MiB {name}"

    medians = {label(n): mb_per_s(count * each, t.seconds)["median"] for n, t in tallies.items()}
    results = []
    for name, case in cases.items():
        if name not in tallies:
            results.append(not_run(label(name), case.reason, BENCHMARK))
            continue
        tally = tallies[name]
        notes = [
            f"{tally.errors} errors",
            f"machine {statistics.median(tally.machine_cores):.1f} cores busy "
            f"(client {statistics.median(tally.client_cores):.1f})",
            _workers_note(tally),
        ]
        if case.services_cpu is not None:
            notes.append(
                f"PostgreSQL + Redis CPU {statistics.mean(tally.services_cpu):.2f} s per round"
            )
        result = path_result(
            label(name),
            tally.seconds,
            count * each,
            rss=tally.rss,
            anchor=None if name == ANCHOR else label(ANCHOR),
            medians=medians,
            runs_note=", ".join(notes),
            compared=[label(other) for other in case.compared],
            benchmark=BENCHMARK,
        )
        result.extra["errors"] = tally.errors
        result.extra["machine_cores_busy"] = tally.machine_cores
        result.extra["client_cores_busy"] = tally.client_cores
        if case.services_cpu is not None:
            result.extra["services_cpu_s"] = tally.services_cpu
        result.extra["workers"] = [
            {"cpu_s": tally.cpu[pid], "connections": [split[i] for split in tally.splits]}
            for i, pid in enumerate(sorted(tally.cpu))
        ]
        results.append(result)
    return results


def all_tokens(cases: dict[str, Case]) -> Iterator[str]:
    """Every client token the cases send (to forget them in Redis afterwards)."""
    for case in cases.values():
        yield from case.tokens
