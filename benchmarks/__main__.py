"""Run the benchmarks, print one table, save the results as JSON.

python -m benchmarks                 # every benchmark, 7 runs per case
python -m benchmarks --quick         # 3 runs per case
python -m benchmarks --repeat 11 --only thumbnail
python -m benchmarks --only concurrent  # 32 uploads at once, 1 worker and 2
python -m benchmarks --repeat 9 --only library
python -m benchmarks --list
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from benchmarks import bucket, concurrent, library, resumable, thumbnail, uploads  # noqa: F401  (register themselves)
from benchmarks.registry import BENCHMARKS, Options, Result

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs (3 per case)")
    parser.add_argument("--repeat", type=int, help="runs per case (default 7, or 3 with --quick)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--no-save", action="store_true", help="do not write a JSON file")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 3:
        parser.error("--repeat must be at least 3 (a median of fewer says little)")
    return args


def _megabytes(value: int | None) -> str:
    return "" if value is None else f"{value / 1_000_000:.1f} MB"


def _times(r: Result) -> list[str]:
    """Median, min and max in milliseconds, or "n/a" for a case this run did not measure."""
    if r.median is None:
        return ["n/a"] * 3
    return [f"{s * 1000:.1f} ms" for s in (r.median, min(r.seconds), max(r.seconds))]


def table(results: list[Result]) -> str:
    """Every result as one plain-text table, times in milliseconds."""
    header = ["benchmark", "case", "median", "min", "max", "runs", "peak memory", "note"]
    rows = [
        [
            r.benchmark,
            r.case,
            *_times(r),
            str(len(r.seconds)),
            _megabytes(r.peak_memory_bytes),
            r.note,
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}

    def line(row: list[str]) -> str:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _machine() -> dict[str, Any]:
    import av
    import PIL

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pillow": PIL.__version__,
        "av": av.__version__,
    }


def paths(results: list[Result]) -> dict[str, dict[str, Any]]:
    """One entry per upload path: MB/s min/median/max, ratios, RSS growth (None: not measured)."""
    keys = (
        *("mb_per_s", "anchor", "ratio_to_anchor", "ratio_to_disk", "ratios"),
        *("rss_growth_mib", "errors", "workers"),
    )
    return {
        r.extra["path"]: {"measured": r.measured, **{k: r.extra.get(k) for k in keys}}
        for r in results
        if "path" in r.extra
    }


def _loads(load: tuple[float, float, float] | None = None) -> str:
    return " ".join(f"{value:.2f}" for value in (load or os.getloadavg()))


def _write(path: Path, document: dict[str, Any]) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(document, indent=2) + "\n")
    temp.replace(path)


def save(
    results: list[Result],
    options: Options,
    started: datetime.datetime,
    load_before: tuple[float, float, float] | None = None,
) -> Path:
    """Write the run to results/run-<UTC time>.json and to latest.json; return the first.

    The load averages before and after go with it: on a shared machine they say how
    much of each figure is other people's work.
    """
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"run-{started:%Y%m%dT%H%M%SZ}.json"
    document = {
        "started": started.isoformat(),
        "options": {"repeat": options.repeat, "quick": options.quick},
        "machine": _machine(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "paths": paths(results),
        "results": [r.as_json() for r in results],
    }
    _write(path, document)
    _write(RESULTS_DIR / "latest.json", document)
    return path


def main(argv: list[str]) -> int:
    """Run the chosen benchmarks; 0 when all ran."""
    args = _parse(argv)
    if args.list:
        for bench in BENCHMARKS.values():
            print(f"{bench.name:12} {bench.description}")
        return 0
    options = Options(repeat=args.repeat or (3 if args.quick else 7), quick=args.quick)
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    load_before = os.getloadavg()
    results: list[Result] = []
    for name in args.only or list(BENCHMARKS):
        bench = BENCHMARKS[name]
        print(f"running {name}: {bench.description} ({options.repeat} runs per case)…", flush=True)
        results.extend(bench.run(options))
    print()
    print(table(results))
    print(f"\nload average (1, 5, 15 min): {_loads(load_before)} before, {_loads()} after")
    if not args.no_save:
        path = save(results, options, started, load_before)
        print(f"saved {path.relative_to(Path.cwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
