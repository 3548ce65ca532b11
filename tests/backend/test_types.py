"""Types by content through the real endpoints: markup is named, the long tail is stored.

/restricted gets SVG, XML and text that starts with ``<`` from a client that
ignores the browser's filter: each is refused naming what it really is, and
nothing of it is kept. /large (streamed) stores archives, a disk image, audio,
Matroska, CSV and unknown bytes with their MIME type, kind and a harmless
extension (a song in a video container as audio), and stops active content at
its first bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import client, long_tail, samples
from tests.backend.uploads import (
    assert_refused,
    assert_stored,
    listing,
    row_count,
    upload,
    wait_for_row,
    wait_no_temp_files,
)
from tests.db import rows_named, tag
from upload_demo import records
from upload_demo.pages.large import LargeState
from upload_demo.pages.restricted import RestrictedState

EXPECTED = "expected PDF, PNG, JPEG, GIF, WebP or HTML"


def test_markup_and_text_are_refused_on_restricted_by_their_real_type(
    backend_url: str, upload_dir: Path
) -> None:
    t = tag()
    files = [
        (f"drawing-{t}.html", long_tail.svg_bytes()),
        (f"feed-{t}.html", long_tail.xml_bytes()),
        (f"note-{t}.html", long_tail.angle_text_bytes()),
        (f"doc-{t}.pdf", samples.pdf_bytes(f"beside {t}")),
    ]
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(backend_url, RestrictedState, files)

    assert_refused(outcomes[0], f"the content is SVG, {EXPECTED}")
    assert_refused(outcomes[1], f"the content is XML, {EXPECTED}")
    assert_refused(outcomes[2], f"the content is plain text, {EXPECTED}")
    assert_stored(outcomes[3], files[3][1], upload_dir, "restricted", ".pdf")
    assert listing(upload_dir) - before == {outcomes[3]["stored_name"]}
    assert row_count() == rows_before + 1
    assert rows_named(*(name for name, _ in files[:3])) == []


def test_an_svg_claiming_to_be_png_is_not_stored_as_html(
    backend_url: str, upload_dir: Path
) -> None:
    t = tag()
    before = listing(upload_dir)
    _, outcomes = upload(
        backend_url, RestrictedState, [(f"logo-{t}.png", long_tail.svg_bytes())], raw=True
    )
    assert_refused(outcomes[0], f"the content is SVG, {EXPECTED}")
    assert listing(upload_dir) == before
    assert not any(name.endswith((".html", ".svg")) for name in listing(upload_dir) - before)


LONG_TAIL: list[tuple[str, Callable[[], bytes], str, str, str]] = [
    ("backup.zip", long_tail.zip_bytes, "archive", "application/zip", ".zip"),
    ("site.tar.gz", lambda: long_tail.tar_bytes(gzip=True), "archive", "application/gzip", ".gz"),
    ("song.mp3", long_tail.mp3_bytes, "audio", "audio/mpeg", ".mp3"),
    ("film.mkv", long_tail.mkv_bytes, "video", "video/x-matroska", ".mkv"),
    ("disk.iso", long_tail.iso_bytes, "archive", "application/x-iso9660-image", ".iso"),
    ("table.csv", long_tail.csv_bytes, "document", "text/csv", ".csv"),
    ("blob.dat", long_tail.random_bytes, "other", "application/octet-stream", ".bin"),
    ("voice.ogg", lambda: samples.audio_bytes("ogg"), "audio", "audio/ogg", ".oga"),
    ("voice.mp4", lambda: samples.audio_bytes("mp4"), "audio", "audio/mp4", ".m4a"),
]


@pytest.mark.parametrize(
    "batch",
    [LONG_TAIL[:3], LONG_TAIL[3:6], LONG_TAIL[6:]],
    ids=["zip-tgz-mp3", "mkv-iso-csv", "bin-ogg-m4a"],
)
def test_large_stores_the_long_tail_with_its_mime_and_kind(
    backend_url: str, upload_dir: Path, batch: list[tuple[str, Callable[[], bytes], str, str, str]]
) -> None:
    t = tag()
    files = [(f"{t}-{name}", make()) for name, make, *_ in batch]
    response = client.post_streamed(
        backend_url, LargeState.handle_chunks, [(name, [data]) for name, data in files]
    )
    assert response.status_code == 202, response.text[:500]
    for (name, data), (_, _, kind, mime, extension) in zip(files, batch, strict=True):
        row = wait_for_row(hashlib.sha256(data).hexdigest())
        assert (row.original_name, row.source_page) == (name, "large")
        assert (row.kind, row.content_type) == (kind, mime)
        assert row.stored_name.endswith(extension)
        assert row.preview_name is None
        assert (upload_dir / row.stored_name).read_bytes() == data
    wait_no_temp_files(upload_dir)


@pytest.mark.parametrize(
    "make",
    [
        lambda: samples.html_bytes("large"),
        long_tail.svg_bytes,
        long_tail.xml_bytes,
        long_tail.javascript_bytes,
    ],
    ids=["html", "svg", "xml", "js"],
)
def test_large_refuses_active_content(
    backend_url: str, upload_dir: Path, make: Callable[[], bytes]
) -> None:
    t = tag()
    data = make()
    before = set(os.listdir(upload_dir))
    response = client.post_streamed(
        backend_url, LargeState.handle_chunks, [(f"{t}-page.txt", [data])]
    )
    # The refusal stops the handler; Reflex answers 400 if it still had a body to read.
    assert response.status_code in (202, 400), response.status_code
    wait_no_temp_files(upload_dir)
    assert set(os.listdir(upload_dir)) == before
    assert rows_named(f"{t}-page.txt") == []
    assert records.stored_with(hashlib.sha256(data).hexdigest()) is None
