"""The benchmark runner: registry, interleaved timing, the table and the saved JSON."""

from __future__ import annotations

import datetime
import json
import time
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


def test_after_runs_after_each_call_outside_the_timing() -> None:
    calls: list[str] = []

    def slow_check() -> None:
        calls.append("check a")
        time.sleep(0.05)

    seconds = registry.time_runs(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
        repeat=2,
        warmup=1,
        after={"a": slow_check},
    )
    assert calls == ["a", "check a", "b"] * 3
    assert max(seconds["a"]) < 0.05


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
    assert sorted(tmp_path.iterdir()) == sorted([path, tmp_path / "latest.json"])
    assert json.loads((tmp_path / "latest.json").read_text()) == saved


def test_unmeasured_path_is_na_and_paths_hold_one_entry_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure the run could not measure shows n/a, never a number, in the table and JSON."""
    from benchmarks import uploads

    def not_measured(case: str) -> Result:
        return Result("uploads", case, [], note="not measured", extra={"path": case})

    medians = {"disk": 1000.0, "bare form()": 250.0}
    size = 100_000_000
    measured = uploads._path_result(
        "reflex buffered",
        [0.5, 0.4, 0.8],
        size,
        rss=[3 * uploads.MiB, 5 * uploads.MiB, 4 * uploads.MiB],
        anchor="bare form()",
        medians=medians,
    )
    missing = not_measured("reflex /large")
    lines = runner.table([measured, missing]).splitlines()
    assert "200 MB/s (125–250), 0.80× bare form(), 0.20× disk, RSS +5.0 MiB" in lines[2]
    assert lines[3].split()[3:6] == ["n/a", "n/a", "n/a"]
    assert lines[3].endswith("not measured")

    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    runner.save([measured, missing], Options(repeat=3, quick=True), datetime.datetime.now())
    latest = json.loads((tmp_path / "latest.json").read_text())
    entry = latest["paths"]["reflex buffered"]
    assert entry["mb_per_s"] == {"min": 125.0, "median": 200.0, "max": 250.0}
    assert entry["ratio_to_anchor"] == pytest.approx(0.8)
    assert entry["ratio_to_disk"] == pytest.approx(0.2)
    assert entry["rss_growth_mib"] == 5.0
    assert latest["paths"]["reflex /large"]["measured"] is False
    assert latest["paths"]["reflex /large"]["mb_per_s"] is None
    assert [r["median_s"] for r in latest["results"]] == [0.5, None]


def test_payload_nonce_changes_the_hash_not_the_size(tmp_path: Path) -> None:
    from benchmarks import uploads

    payload = uploads.Payload.create(tmp_path, 3 * uploads.MiB + 5)
    a, b = uploads.new_nonce(), uploads.new_nonce()
    data = b"".join(payload.chunks(a))
    assert len(data) == payload.size and data.startswith(uploads.HEADER + a)
    assert data[100:] == b"".join(payload.chunks(b))[100:]
    assert payload.sha256(a) != payload.sha256(b)
    assert len(b"".join(payload.chunks(a, 1000))) == 1000
