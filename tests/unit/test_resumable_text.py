"""What /resumable says under each file, from the browser's reports."""

from __future__ import annotations

from upload_demo.pages.resumable_state import ResumableFile, describe

MB = 1_000_000


def line(status: str, sent: int = 0, **change: object) -> str:
    file = ResumableFile(key="k", name="a.pdf", size=10 * MB, sent=sent, status=status)
    file.resumed_at = int(str(change.pop("resumed_at", -1)))
    file.final = bool(change.pop("final", False))
    return describe(file, dict(change))


def test_each_state_in_words() -> None:
    assert line("queued") == "waiting to start"
    assert line("sending", 4 * MB) == "40% · 4 MB of 10 MB"
    assert line("sending", 7 * MB, resumed_at=61) == "70% · 7 MB of 10 MB · resumed at 61%"
    assert line("sending", 10 * MB) == "100% sent · processing on the server…"
    assert line("resuming", 6 * MB, resumed_at=61) == "resuming at 61%"
    assert line("paused", 3 * MB) == "paused at 30% · 3 MB of 10 MB"
    assert line("retrying", 2 * MB, retry_in_ms=4000) == (
        "connection lost, retrying in 4 s · 20% · 2 MB of 10 MB sent"
    )
    assert line("retrying", retry_in_ms=0).startswith("retrying now")
    assert line("cancelled") == "cancelled; the server dropped what it had"
    assert line("failed", reason="the server answered 500") == (
        "failed: the server answered 500; press Resume to try again"
    )
    assert line("failed", reason="too large", final=True) == "refused: too large"
