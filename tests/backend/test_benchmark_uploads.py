"""The upload benchmark run end to end, small: real servers, the real app, real uploads.

It starts its own servers (the app under Granian, the bare Starlette anchors), like
the backend tests talk HTTP to a real app.
"""

from __future__ import annotations

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
    results = {
        r.case: r for r in uploads.measure(6 * uploads.MiB, runs=1, uploads=4, each=uploads.MiB)
    }
    # The benchmark app (limits raised) compiled elsewhere: a running app would serve this.
    assert _web_tree() == web_before
    assert list(results) == [
        "disk",
        "bare form()",
        "bare streaming",
        "reflex buffered",
        "reflex /large",
        "4× 1 MiB bare form()",
        "4× 1 MiB reflex buffered",
        "cancelled 6 MiB on /large: time to no partial file",
    ]
    buffered = results["reflex buffered"]
    assert buffered.measured and buffered.extra["anchor"] == "bare form()"
    assert buffered.extra["ratio_to_anchor"] > 0 and buffered.extra["ratio_to_disk"] > 0
    assert buffered.extra["rss_growth_mib"] is not None
    assert results["4× 1 MiB reflex buffered"].extra["errors"] == 0
    assert results["4× 1 MiB bare form()"].extra["errors"] == 0
    large = results["reflex /large"]
    assert large.measured and large.extra["anchor"] == "bare streaming"
    assert large.extra["ratio_to_anchor"] > 0 and large.extra["ratio_to_disk"] > 0
    assert large.extra["rss_growth_mib"] is not None
    cancelled = results["cancelled 6 MiB on /large: time to no partial file"]
    assert len(cancelled.seconds) == 1 and 0 < cancelled.seconds[0] < 60
    assert "path" not in cancelled.extra
