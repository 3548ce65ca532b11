"""The benchmarks the runner knows, and what each one reports.

A benchmark is a function taking the run's Options and returning Results;
``@benchmark(name, description)`` registers it. The runner prints every
result in one table and saves them together as JSON.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Options:
    """How hard to measure: runs per case, and whether this is a quick run."""

    repeat: int
    quick: bool


@dataclasses.dataclass
class Result:
    """One case of one benchmark: its run times in seconds and what else was measured."""

    benchmark: str
    case: str
    seconds: list[float]
    peak_memory_bytes: int | None = None
    note: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def measured(self) -> bool:
        """False for a row kept for a figure this run could not measure (no runs)."""
        return bool(self.seconds)

    @property
    def median(self) -> float | None:
        """Median run time in seconds (None when not measured)."""
        return statistics.median(self.seconds) if self.seconds else None

    def as_json(self) -> dict[str, Any]:
        """The result with its summary statistics, ready for ``json.dump``."""
        return {
            "benchmark": self.benchmark,
            "case": self.case,
            "runs": len(self.seconds),
            "median_s": self.median,
            "min_s": min(self.seconds, default=None),
            "max_s": max(self.seconds, default=None),
            "seconds": self.seconds,
            "peak_memory_bytes": self.peak_memory_bytes,
            "note": self.note,
            **self.extra,
        }


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """A registered benchmark."""

    name: str
    description: str
    run: Callable[[Options], list[Result]]


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(
    name: str, description: str
) -> Callable[[Callable[[Options], list[Result]]], Callable[[Options], list[Result]]]:
    """Register the decorated function under ``name``."""

    def register(run: Callable[[Options], list[Result]]) -> Callable[[Options], list[Result]]:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = Benchmark(name, description, run)
        return run

    return register


def time_runs(
    actions: dict[str, Callable[[], object]],
    repeat: int,
    warmup: int = 1,
    after: Mapping[str, Callable[[], object]] | None = None,
) -> dict[str, list[float]]:
    """Wall-clock seconds of ``repeat`` calls of each action, after ``warmup`` untimed rounds.

    The actions take turns (a, b, c, a, b, c, ...), so a busy moment on a
    shared machine slows every case alike and their ratios stay fair.
    ``after[name]``, if given, runs after each call of that action, outside
    the timing: checks and clean-up that are not what is being measured.
    """
    after = after or {}
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    for round_number in range(warmup + repeat):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            elapsed = time.perf_counter() - start
            if name in after:
                after[name]()
            if round_number >= warmup:
                seconds[name].append(elapsed)
    return seconds
