"""The file list's rows: each file's share of one request's progress, and its outcome."""

from __future__ import annotations

from upload_demo.file_rows import (
    Rejection,
    SelectedFile,
    Upload,
    icon_of,
    match_outcomes,
    queued_rows,
    refusal_rows,
    sent_per_file,
    upload_rows,
)
from upload_demo.ingest import Outcome

A, B, C = (
    SelectedFile("a.png", size=1000),
    SelectedFile("b.png", size=3000),
    SelectedFile("c.pdf", size=1000, type="application/pdf"),
)


def test_progress_is_shared_out_in_the_order_of_the_files() -> None:
    # A 5000-byte selection in a 5500-byte body: 10% is part headers.
    assert sent_per_file([1000, 3000, 1000], 0, 5500) == [0, 0, 0]
    assert sent_per_file([1000, 3000, 1000], 2200, 5500) == [1000, 1000, 0]
    assert sent_per_file([1000, 3000, 1000], 5500, 5500) == [1000, 3000, 1000]
    # Before the browser's first report, and past the end, nothing odd happens.
    assert sent_per_file([1000], 0, 0) == [0]
    assert sent_per_file([1000, 1000], 9000, 5500) == [1000, 1000]


def test_rows_while_sending() -> None:
    rows = upload_rows(Upload("uploading", [A, B, C], loaded=2200, total=5500, outcomes=[]))
    assert [(r.state, r.label, r.percent) for r in rows] == [
        ("sent", "Sent", 100),
        ("sending", "Sending 33%", 33),
        ("waiting", "Waiting to send", 0),
    ]
    assert [r.slot for r in rows] == [0, 1, 2]
    everything = upload_rows(Upload("uploading", [A, B, C], 5500, 5500, []))
    assert {r.state for r in everything} == {"processing"}


def test_rows_once_done_follow_the_outcomes() -> None:
    outcomes = [
        Outcome("a.png", stored=True, message="stored as PNG", kind="image"),
        Outcome("b.png", stored=False, message="the content is HTML, expected PNG"),
        Outcome("c.pdf", stored=False, repeat=True, message="already stored", duplicate_of="x"),
    ]
    rows = upload_rows(Upload("done", [A, B, C], 5500, 5500, outcomes))
    assert [(r.name, r.state, r.label) for r in rows] == [
        ("a.png", "stored", "Stored"),
        ("b.png", "refused", "Refused"),
        ("c.pdf", "repeat", "Already stored"),
    ]
    assert rows[1].message == "the content is HTML, expected PNG"
    assert rows[2].duplicate_of == "x"
    assert [r.size_text for r in rows] == ["1 kB", "3 kB", "1 kB"]
    assert [r.icon for r in rows] == ["image", "file", "document"]
    # Sent files have no place in the browser's selection any more (it was cleared).
    assert {r.slot for r in rows} == {-1}


def test_a_cancelled_upload_lists_only_what_got_an_outcome() -> None:
    """A streamed upload keeps what it stored before the Cancel; the rest stays selected."""
    stored_b = [Outcome("b.png", stored=True, message="stored")]
    rows = upload_rows(Upload("cancelled", [A, B, C], 3000, 5500, stored_b))
    assert [(r.name, r.state) for r in rows] == [("b.png", "stored")]
    assert upload_rows(Upload("failed", [A, B], 0, 0, [])) == []
    assert upload_rows(Upload("idle", [A], 0, 0, [])) == []


def test_outcomes_match_by_name_then_order() -> None:
    renamed = [Outcome("(unnamed file)", True, "stored"), Outcome("b.png", True, "stored")]
    assert match_outcomes([A, B], renamed) == [renamed[0], renamed[1]]
    assert match_outcomes([A, B], [renamed[1]]) == [None, renamed[1]]


def test_a_result_before_its_begin_upload_is_still_listed() -> None:
    """A tiny one-step upload can finish before the event naming its files arrives."""
    outcomes = [Outcome("a.png", stored=True, message="stored", size=1000)]
    rows = upload_rows(Upload("done", [], 1000, 1000, outcomes))
    assert [(r.name, r.state, r.size_text) for r in rows] == [("a.png", "stored", "1 kB")]


def test_refusals_and_queued_files() -> None:
    refused = refusal_rows(
        [Rejection("notes.txt", "not an accepted type", folder="docs")],
        dismissable=True,
        prefix="refused",
    )
    assert [(r.state, r.label, r.message, r.folder, r.refusal) for r in refused] == [
        ("refused", "Not sent", "not an accepted type", "docs", 0)
    ]
    sent = refusal_rows([Rejection("x", "y")], dismissable=False, prefix="sent")
    assert sent[0].refusal == -1
    queued = queued_rows(
        [A, SelectedFile("d.mp4", folder="clips/2024", size=2_500_000, type="video/mp4")]
    )
    assert [(r.state, r.slot, r.size_text, r.icon, r.folder) for r in queued] == [
        ("queued", 0, "1 kB", "file", ""),
        ("queued", 1, "2.5 MB", "video", "clips/2024"),
    ]
    assert len({r.key for r in [*refused, *sent, *queued]}) == 4


def test_icons() -> None:
    assert icon_of("image/webp") == icon_of("image") == "image"
    assert icon_of("video/mp4") == icon_of("video") == "video"
    assert icon_of("audio/mpeg") == "audio"
    assert icon_of("application/pdf") == icon_of("text/plain") == "document"
    assert icon_of("application/zip") == icon_of("archive") == "archive"
    assert icon_of("") == icon_of("application/octet-stream") == "file"
