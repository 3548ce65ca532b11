"""The benchmark runner: registry, interleaved timing, the table and the saved JSON."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from benchmarks import __main__ as runner
from benchmarks import registry
from benchmarks.registry import Options, Result


def test_thumbnail_benchmark_is_registered() -> None:
    assert "thumbnail" in registry.BENCHMARKS
    with pytest.raises(ValueError, match="registered twice"):
        registry.benchmark("thumbnail", "again")(lambda options: [])


def test_cases_take_turns_and_warmup_is_not_timed() -> None:
    calls: list[str] = []
    seconds = registry.time_runs(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeat=3, warmup=1
    )
    assert calls == ["a", "b"] * 4
    assert {name: len(runs) for name, runs in seconds.items()} == {"a": 3, "b": 3}


def test_table_and_saved_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = [
        Result("thumbnail", "draft", [0.010, 0.012, 0.011], peak_memory_bytes=6_000_000),
        Result("thumbnail", "full", [0.030, 0.020, 0.025], note="2.3× the draft-mode time"),
    ]
    lines = runner.table(results).splitlines()
    assert lines[0].split()[:4] == ["benchmark", "case", "median", "min"]
    assert len(lines) == 4
    assert "11.0 ms" in lines[2] and "6.0 MB" in lines[2]
    assert "25.0 ms" in lines[3] and "20.0 ms" in lines[3] and "30.0 ms" in lines[3]
    assert lines[3].endswith("2.3× the draft-mode time")

    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    started = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)
    path = runner.save(results, Options(repeat=3, quick=True), started)
    assert path.name == "run-20261125T100000Z.json"
    saved = json.loads(path.read_text())
    assert [r["median_s"] for r in saved["results"]] == [0.011, 0.025]
    assert saved["results"][1]["min_s"] == 0.020
    assert saved["options"] == {"repeat": 3, "quick": True}
    assert list(tmp_path.iterdir()) == [path]
