"""The upload benchmark run end to end, small: real servers, the real app, real uploads.

It starts its own servers (the app under Granian, the bare Starlette anchors), like
the backend tests talk HTTP to a real app. The concurrent cases on PostgreSQL and Redis
run in tests/scale (they need ``make services``); here they are asked not to run.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.payload import MiB
from tests.conftest import ROOT


def _web_tree() -> dict[str, int]:
    """Every file Reflex compiles into the checkout's .web (its packages aside), by mtime."""
    web = ROOT / ".web"
    if not web.exists():
        return {}
    return {
        str(path.relative_to(web)): path.stat().st_mtime_ns
        for path in web.rglob("*")
        if path.is_file() and "node_modules" not in path.relative_to(web).parts
    }


def test_uploads_measure_end_to_end() -> None:
    """Real servers, real app, small files: every path stores the bytes sent, the rows add up.

    ``measure`` raises if any stored file's hash differs from what was sent, if
    /large never records its file, or if a cut-off upload leaves anything.
    """
    from benchmarks import uploads

    web_before = _web_tree()
    results = {r.case: r for r in uploads.measure(6 * MiB, runs=1)}
    # The benchmark app (limits raised) compiled elsewhere: a running app would serve this.
    assert _web_tree() == web_before
    assert list(results) == [
        "disk",
        "bare form()",
        "bare streaming",
        "reflex buffered",
        "reflex /large",
        "cancelled 6 MiB on /large: time to no partial file",
    ]
    buffered = results["reflex buffered"]
    assert buffered.measured and buffered.extra["anchor"] == "bare form()"
    assert buffered.extra["ratio_to_anchor"] > 0 and buffered.extra["ratio_to_disk"] > 0
    assert buffered.extra["rss_growth_mib"] is not None
    large = results["reflex /large"]
    assert large.measured and large.extra["anchor"] == "bare streaming"
    assert large.extra["ratio_to_anchor"] > 0 and large.extra["ratio_to_disk"] > 0
    assert large.extra["rss_growth_mib"] is not None
    cancelled = results["cancelled 6 MiB on /large: time to no partial file"]
    assert len(cancelled.seconds) == 1 and 0 < cancelled.seconds[0] < 60
    assert "path" not in cancelled.extra


def test_concurrent_uploads_without_the_servers_report_those_cases_not_run() -> None:
    """The anchor and today's app measured, every stored hash checked; the server cases n/a."""
    from benchmarks import concurrent

    reason = "PostgreSQL and Redis are not running: start them with `make services`"
    web_before = _web_tree()
    results = {r.case: r for r in concurrent.measure(1, uploads=4, each=MiB, found=reason)}
    assert _web_tree() == web_before
    assert list(results) == [
        "4× 1 MiB bare form()",
        "4× 1 MiB bare form(), 2 workers",
        "4× 1 MiB reflex buffered",
        "4× 1 MiB reflex buffered, Redis + PostgreSQL, 1 worker",
        "4× 1 MiB reflex buffered, Redis + PostgreSQL, 2 workers",
    ]
    for case in ("4× 1 MiB bare form()", "4× 1 MiB reflex buffered"):
        result = results[case]
        assert result.benchmark == "concurrent" and result.measured
        assert result.extra["errors"] == 0
        # One connection per upload, unless the client reused one whose upload was done.
        [(connections,)] = [w["connections"] for w in result.extra["workers"]]
        assert 0 < connections <= 4
        assert result.extra["machine_cores_busy"][0] > 0
    assert results["4× 1 MiB reflex buffered"].extra["anchor"] == "4× 1 MiB bare form()"
    two = results["4× 1 MiB bare form(), 2 workers"]
    assert two.extra["errors"] == 0 and two.extra["anchor"] == "4× 1 MiB bare form()"
    assert len(two.extra["workers"]) == 2
    assert 0 < sum(w["connections"][0] for w in two.extra["workers"]) <= 4
    for case in list(results)[3:]:
        assert not results[case].measured
        assert results[case].note == f"not run: {reason}"


def test_two_granian_workers_each_listen_and_each_take_connections(tmp_path: Path) -> None:
    """Granian on Linux: a listening socket per worker; the kernel spreads connections."""
    import httpx

    from benchmarks.servers import serving

    env = {"BENCH_UPLOAD_DIR": str(tmp_path)}
    with serving("benchmarks.anchor_apps:app", tmp_path / "log", env, workers=2) as server:
        workers = server.worker_pids()
        assert len(workers) == 2 and sorted(server.listening()) == workers
        clients = [httpx.Client() for _ in range(24)]
        try:
            for client in clients:
                assert client.get(f"{server.url}/ping").text == "pong"
            spread = server.connections()
        finally:
            for client in clients:
                client.close()
    assert sorted(spread) == workers
    assert sum(spread.values()) == 24
    # Both get some: all 24 on one worker has a chance of 2 in 2**24 with a fair hash.
    assert min(spread.values()) > 0, spread
