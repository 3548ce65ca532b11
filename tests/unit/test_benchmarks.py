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


def test_benchmarks_are_registered() -> None:
    assert {"thumbnail", "uploads", "concurrent"} <= set(registry.BENCHMARKS)
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
    path = runner.save(results, Options(repeat=3, quick=True), started, (2.0, 1.5, 1.0))
    assert path.name == "run-20261125T100000Z.json"
    saved = json.loads(path.read_text())
    assert saved["load_average"]["before"] == [2.0, 1.5, 1.0]
    assert len(saved["load_average"]["after"]) == 3
    assert [r["median_s"] for r in saved["results"]] == [0.011, 0.025]
    assert saved["results"][1]["min_s"] == 0.020
    assert saved["options"] == {"repeat": 3, "quick": True}
    assert sorted(tmp_path.iterdir()) == sorted([path, tmp_path / "latest.json"])
    assert json.loads((tmp_path / "latest.json").read_text()) == saved


def test_unmeasured_path_is_na_and_paths_hold_one_entry_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure the run could not measure shows n/a, never a number, in the table and JSON."""
    from benchmarks import rows
    from benchmarks.payload import MiB

    def not_measured(case: str) -> Result:
        return Result("uploads", case, [], note="not measured", extra={"path": case})

    medians = {"disk": 1000.0, "bare form()": 250.0}
    size = 100_000_000
    measured = rows.path_result(
        "reflex buffered",
        [0.5, 0.4, 0.8],
        size,
        rss=[3 * MiB, 5 * MiB, 4 * MiB],
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
    from benchmarks import payload as payloads

    payload = payloads.Payload.create(tmp_path, 3 * payloads.MiB + 5)
    a, b = payloads.new_nonce(), payloads.new_nonce()
    data = b"".join(payload.chunks(a))
    assert len(data) == payload.size and data.startswith(payloads.HEADER + a)
    assert data[100:] == b"".join(payload.chunks(b))[100:]
    assert payload.sha256(a) != payload.sha256(b)
    assert len(b"".join(payload.chunks(a, 1000))) == 1000


def test_compared_cases_give_ratios_of_medians_and_not_run_rows_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers against one: a ratio of the same run's medians, named in the note and JSON."""
    from benchmarks import rows

    medians = {"anchor": 400.0, "one worker": 200.0}
    two = rows.path_result(
        "two workers",
        [1.0, 0.5, 0.6],
        300_000_000,
        rss=None,
        anchor="anchor",
        medians=medians,
        compared=["one worker", "never measured"],
        benchmark="concurrent",
    )
    assert two.benchmark == "concurrent"
    assert two.extra["ratio_to_anchor"] == pytest.approx(1.25)
    assert two.extra["ratios"] == {"one worker": pytest.approx(2.5)}
    assert "1.25× anchor, 2.50× one worker" in two.note
    missing = rows.not_run("on Redis", "redis-server not running: start them with `make services`")
    line = runner.table([two, missing]).splitlines()[3]
    assert line.split()[3:6] == ["n/a", "n/a", "n/a"]
    assert line.endswith("not run: redis-server not running: start them with `make services`")

    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    runner.save([two, missing], Options(repeat=3, quick=True), datetime.datetime.now())
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert latest["paths"]["two workers"]["ratios"] == {"one worker": pytest.approx(2.5)}
    assert latest["paths"]["on Redis"] == {
        "measured": False,
        **dict.fromkeys(
            [
                "mb_per_s",
                "anchor",
                "ratio_to_anchor",
                "ratio_to_disk",
                "ratios",
                "rss_growth_mib",
                "errors",
                "workers",
            ]
        ),
    }


def test_no_services_env_file_means_not_run_with_the_command(tmp_path: Path) -> None:
    from benchmarks import services

    reason = services.find(tmp_path / "env")
    assert reason == "PostgreSQL and Redis are not running: start them with `make services`"


def test_services_whose_pids_are_gone_are_named(tmp_path: Path) -> None:
    """An env file left by servers that have stopped: the reason names each one down."""
    import subprocess

    from benchmarks import services
    from tests.services import write_env

    process = subprocess.Popen(["true"])
    process.wait()
    env_file = tmp_path / "env"
    write_env(
        {
            "UPLOAD_DEMO_SERVICES_PG_PID": str(process.pid),
            "UPLOAD_DEMO_SERVICES_REDIS_PID": str(process.pid),
            "UPLOAD_DEMO_TEST_PG_URL": "postgresql+psycopg://u:p@127.0.0.1:1/postgres",
            "UPLOAD_DEMO_TEST_REDIS_URL": "redis://:p@127.0.0.1:2/0",
        },
        env_file,
    )
    reason = services.find(env_file)
    assert reason == "postgres and redis-server not running: start them with `make services`"


def test_servers_never_inherit_a_database_or_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """``make test-scale`` exports REFLEX_REDIS_URL: today's case must still be on SQLite."""
    from benchmarks import servers

    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("REFLEX_DB_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("UPLOAD_DEMO_KEPT", "yes")
    env = servers.environment({"REFLEX_DB_URL": "sqlite:///bench.db"})
    assert "REFLEX_REDIS_URL" not in env
    assert env["REFLEX_DB_URL"] == "sqlite:///bench.db"
    assert env["UPLOAD_DEMO_KEPT"] == "yes"
    assert env["MALLOC_MMAP_THRESHOLD_"] == servers.MALLOC_ENV["MALLOC_MMAP_THRESHOLD_"]


def test_every_upload_of_every_case_has_its_own_token() -> None:
    from benchmarks import rounds

    cases = {name: rounds.Case.of(None, 32, reason="not here") for name in ("a", "b")}
    tokens = list(rounds.all_tokens(cases))
    assert len(tokens) == 64 and len(set(tokens)) == 64


def test_the_bucket_rows_are_not_run_without_the_s3_server(tmp_path: Path) -> None:
    from benchmarks import bucket

    reason = bucket.bucket_settings(tmp_path / "env")
    assert reason == "the S3 server is not running: start it with `make services`"
    rows = bucket.measure(1024, runs=1, env_file=tmp_path / "env")
    assert [(r.case, r.measured) for r in rows] == [(bucket.LOCAL, False), (bucket.BUCKET, False)]
    assert all(r.note == f"not run: {reason}" for r in rows)


def test_a_server_process_that_exits_keeps_its_cpu_in_the_count() -> None:
    """PostgreSQL backends come and go with the app's pool: the count must never go down."""
    import subprocess
    import sys

    from benchmarks.services import CpuMeter

    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    process = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(60)"])
    try:
        meter = CpuMeter(process.pid, "no_such_database")
        deadline = time.monotonic() + 30
        while (first := meter()) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first >= 0.3
    finally:
        process.kill()
        process.wait()
    assert meter() == first
