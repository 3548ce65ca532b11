"""One row of the upload table: MB/s, its ratios to the cases it is compared with, RSS growth."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.payload import MiB
from benchmarks.registry import Result


def mb_per_s(size: int, seconds: list[float]) -> dict[str, float]:
    rates = [size / s / 1_000_000 for s in seconds]
    return {"min": min(rates), "median": statistics.median(rates), "max": max(rates)}


def path_result(
    case: str,
    seconds: list[float],
    size: int,
    *,
    rss: list[int] | None,
    anchor: str | None,
    medians: dict[str, float],
    runs_note: str = "",
    compared: Sequence[str] = (),
    benchmark: str = "uploads",
) -> Result:
    """The row of ``case``: its rate, and its median over its anchor's, the disk's and others'.

    Every median divided is from the same run.

    ``compared`` cases are not anchors (the least code that does the job) but other
    set-ups of the app, e.g. one worker against two: the ratio is the gain, or the cost.
    """
    rate = mb_per_s(size, seconds)
    extra: dict[str, Any] = {"path": case, "bytes": size, "mb_per_s": rate}
    notes = [f"{rate['median']:.0f} MB/s ({rate['min']:.0f}–{rate['max']:.0f})"]
    if anchor is not None:
        extra["anchor"] = anchor
        extra["ratio_to_anchor"] = rate["median"] / medians[anchor]
        notes.append(f"{extra['ratio_to_anchor']:.2f}× {anchor}")
    if "disk" in medians and case != "disk":
        extra["ratio_to_disk"] = rate["median"] / medians["disk"]
        notes.append(f"{extra['ratio_to_disk']:.2f}× disk")
    ratios = {other: rate["median"] / medians[other] for other in compared if other in medians}
    if ratios:
        extra["ratios"] = ratios
        notes += [f"{ratio:.2f}× {other}" for other, ratio in ratios.items()]
    peak = max(rss) if rss else None
    extra["rss_growth_mib"] = None if peak is None else peak / MiB
    if peak is not None:
        notes.append(f"RSS +{peak / MiB:.1f} MiB")
    if runs_note:
        notes.append(runs_note)
    return Result(
        benchmark, case, seconds, peak_memory_bytes=peak, note=", ".join(notes), extra=extra
    )


def not_run(case: str, reason: str, benchmark: str = "uploads") -> Result:
    """A row for a case this run could not measure: no runs, n/a in the table, and why."""
    return Result(benchmark, case, [], note=f"not run: {reason}", extra={"path": case})
