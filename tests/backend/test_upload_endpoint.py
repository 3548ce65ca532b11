"""The upload endpoint under a hostile client: the server enforces every limit itself.

Each test POSTs multipart straight to the running app's ``/_upload`` (no browser),
then checks the HTTP status, the per-file outcomes the handler reported, the files
in the upload dir and the rows in the database. The app and its database are
shared by the whole session, so each test uses its own content and names and
looks only at what it added.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import reflex as rx
import sqlmodel

from tests import client, samples
from tests.backend.uploads import (
    STORED_NAME,
    assert_refused,
    assert_stored,
    is_safe_to_show,
    listing,
    padded_png,
    row_count,
    rows_by_stored_name,
    upload,
)
from tests.db import rows_named, tag
from upload_demo import policy, resumable
from upload_demo.models import StoredFile
from upload_demo.pages.images import ImagesState
from upload_demo.pages.one_step import OneStepState
from upload_demo.pages.restricted import RestrictedState
from upload_demo.pages.video import VideoState
from upload_demo.units import human_bytes

# --- count ------------------------------------------------------------------------


def test_six_files_to_the_restricted_handler(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    files = [
        (f"r0-{t}.png", samples.image_bytes("PNG", seed=1001)),
        (f"r1-{t}.jpg", samples.image_bytes("JPEG", seed=1002)),
        (f"r2-{t}.pdf", samples.pdf_bytes(f"r2 {t}")),
        (f"r3-{t}.html", samples.html_bytes(f"r3 {t}")),
        (f"r4-{t}.gif", samples.image_bytes("GIF", seed=1004)),
        (f"r5-{t}.webp", samples.image_bytes("WEBP", seed=1005)),
    ]
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(backend_url, RestrictedState, files)

    assert len(outcomes) == 6
    extensions = [".png", ".jpg", ".pdf", ".html", ".gif"]
    for outcome, (name, data), extension in zip(outcomes[:5], files[:5], extensions, strict=True):
        assert outcome["name"] == name
        assert_stored(outcome, data, upload_dir, "restricted", extension)
    assert_refused(outcomes[5], "too many files: this page takes at most 5 files per upload")
    assert outcomes[5]["name"] == files[5][0]

    assert listing(upload_dir) - before == {o["stored_name"] for o in outcomes[:5]}
    assert before <= listing(upload_dir)
    assert row_count() == rows_before + 5
    assert rows_named(files[5][0]) == []


# --- type by content ------------------------------------------------------------


def test_html_named_png_is_refused_on_images(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    html = samples.html_bytes(f"not an image {t}")
    png = samples.image_bytes("PNG", seed=1101)
    before = listing(upload_dir)
    _, outcomes = upload(
        backend_url, ImagesState, [(f"photo-{t}.png", html), (f"real-{t}.png", png)]
    )

    assert [o["name"] for o in outcomes] == [f"photo-{t}.png", f"real-{t}.png"]
    assert_refused(outcomes[0], "the content is HTML, expected PNG, JPEG, GIF or WebP")
    assert "content is HTML" in outcomes[0]["message"]
    assert_stored(outcomes[1], png, upload_dir, "images", ".png")
    assert listing(upload_dir) - before == {outcomes[1]["stored_name"]}
    assert rows_named(f"photo-{t}.png") == []
    # No stored file anywhere holds the HTML bytes.
    digest = hashlib.sha256(html).hexdigest()
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.sha256 == digest)
        assert session.exec(query).all() == []


@pytest.mark.parametrize(
    ("fmt", "claimed", "extension"),
    [("JPEG", "x.png", ".jpg"), ("GIF", "y.webp", ".gif"), ("WEBP", "z.jpg", ".webp")],
)
def test_stored_extension_comes_from_content(
    backend_url: str, upload_dir: Path, fmt: str, claimed: str, extension: str
) -> None:
    t = tag()
    data = samples.image_bytes(fmt, seed=1200 + len(fmt))
    before = listing(upload_dir)
    _, outcomes = upload(backend_url, ImagesState, [(f"{t}-{claimed}", data)])
    row = assert_stored(outcomes[0], data, upload_dir, "images", extension)
    assert row.original_name == f"{t}-{claimed}"
    assert t not in row.stored_name
    assert listing(upload_dir) - before == {row.stored_name}


def test_restricted_stores_pdf_and_html_under_their_own_extensions(
    backend_url: str, upload_dir: Path
) -> None:
    t = tag()
    pdf, html = samples.pdf_bytes(f"doc {t}"), samples.html_bytes(f"page {t}")
    _, outcomes = upload(
        backend_url, RestrictedState, [(f"doc-{t}.png", pdf), (f"page-{t}.png", html)]
    )
    assert_stored(outcomes[0], pdf, upload_dir, "restricted", ".pdf")
    assert_stored(outcomes[1], html, upload_dir, "restricted", ".html")


def test_stored_names_are_random(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    names = set()
    for i in range(3):
        # The same client name each time (distinct bytes: a duplicate may be refused).
        files = [(f"same-{t}.png", samples.image_bytes("PNG", seed=1300 + i))]
        _, outcomes = upload(backend_url, ImagesState, files)
        assert outcomes[0]["stored"]
        names.add(outcomes[0]["stored_name"])
    assert len(names) == 3
    assert all(STORED_NAME.match(n) and n.endswith(".png") and t not in n for n in names)


# --- sizes ------------------------------------------------------------------------


@pytest.mark.parametrize("state", [RestrictedState, ImagesState], ids=["restricted", "images"])
def test_file_just_over_the_per_file_limit(backend_url: str, upload_dir: Path, state: Any) -> None:
    t = tag()
    limit = state.policy.max_file_size
    big = padded_png(limit + 1, seed=1400)
    at_limit = padded_png(limit, seed=1401)
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(
        backend_url, state, [(f"big-{t}.png", big), (f"at-limit-{t}.png", at_limit)]
    )

    assert_refused(outcomes[0], re.compile(r"^too large"))
    assert outcomes[0]["message"].endswith(f"the limit is {human_bytes(limit)} per file")
    assert_stored(outcomes[1], at_limit, upload_dir, state.policy.page, ".png")
    assert listing(upload_dir) - before == {outcomes[1]["stored_name"]}
    assert row_count() == rows_before + 1
    assert rows_named(f"big-{t}.png") == []


def test_file_that_breaks_the_total_is_refused(backend_url: str, upload_dir: Path) -> None:
    """Over the total by less than the guard's multipart allowance: the handler refuses it.

    (A request over the total by more is stopped by the guard with a 413: see
    test_guard_and_names.py.)
    """
    page = policy.ONE_STEP
    t = tag()
    each = page.max_file_size - 10_000  # five of these: 49.95 MB
    files = [(f"part{i}-{t}.png", padded_png(each, seed=1500 + i)) for i in range(5)]
    files.append((f"breaker-{t}.png", padded_png(60_000, seed=1505)))
    assert 5 * each <= page.max_total_size < 5 * each + 60_000
    small = samples.image_bytes("PNG", seed=1510)
    assert 5 * each + len(small) <= page.max_total_size
    files.append((f"small-{t}.png", small))
    before, rows_before = listing(upload_dir), row_count()

    response = client.post_upload(backend_url, OneStepState.handle_upload, files)
    assert response.status_code == 200, response.text[:500]
    outcomes = client.outcomes(response, OneStepState)
    assert len(outcomes) == 7
    for outcome, (_, data) in zip(outcomes[:5], files[:5], strict=True):
        assert_stored(outcome, data, upload_dir, "one-step", ".png")
    assert_refused(
        outcomes[5], f"over the upload's total limit of {human_bytes(page.max_total_size)}"
    )
    assert_stored(outcomes[6], small, upload_dir, "one-step", ".png")
    stored = {o["stored_name"] for o in outcomes if o["stored"]}
    assert listing(upload_dir) - before == stored
    assert row_count() == rows_before + 6
    assert rows_named(files[5][0]) == []


def test_zero_byte_file_refused_others_stored(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    png = samples.image_bytes("PNG", seed=1600)
    jpeg = samples.image_bytes("JPEG", seed=1601)
    before = listing(upload_dir)
    _, outcomes = upload(
        backend_url,
        ImagesState,
        [(f"a-{t}.png", png), (f"empty-{t}.png", b""), (f"b-{t}.jpg", jpeg)],
    )
    assert_stored(outcomes[0], png, upload_dir, "images", ".png")
    assert_refused(outcomes[1], "the file is empty")
    assert_stored(outcomes[2], jpeg, upload_dir, "images", ".jpg")
    assert listing(upload_dir) - before == {outcomes[0]["stored_name"], outcomes[2]["stored_name"]}
    assert rows_named(f"empty-{t}.png") == []


# --- names ------------------------------------------------------------------------

ODD_NAMES = [
    "../../etc/passwd",
    "..\\..\\x.png",
    "/tmp/abs.png",
    "C:\\Windows\\evil.png",
    "nul\x00byte.png",
    "ctrl\x01\x07\x1b\x1f\x7f.png",
    "rtl\u202egnp.exe",
    "L" * 300 + ".png",
    "caf\u00e9 \u65e5\u672c \U0001f600.png",
    "",
    "..",
    ".",
    "../",
]


def test_traversal_and_odd_names_are_harmless(backend_url: str, upload_dir: Path) -> None:
    files = [(name, samples.image_bytes("PNG", seed=1700 + i)) for i, name in enumerate(ODD_NAMES)]
    outside = [upload_dir.parent, upload_dir.parent.parent, Path("/tmp"), Path.cwd()]
    outside_before = {d: listing(d) for d in outside}
    abs_existed = Path("/tmp/abs.png").exists()
    before = listing(upload_dir)

    # Raw bytes on the wire: NUL and control characters are not escaped.
    _, outcomes = upload(backend_url, ImagesState, files, raw=True)

    assert len(outcomes) == len(files)
    new = listing(upload_dir) - before
    assert new == {o["stored_name"] for o in outcomes}
    for outcome, (raw_name, data) in zip(outcomes, files, strict=True):
        assert_stored(outcome, data, upload_dir, "images", ".png")
        assert (upload_dir / outcome["stored_name"]).is_file()
        shown = outcome["name"]
        assert is_safe_to_show(shown), repr(shown)
        # No stored name carries anything the client chose: 128 random bits in hex.
        assert re.fullmatch(r"[0-9a-f]{32}\.png", outcome["stored_name"]), outcome
        stem = Path(raw_name.replace("\\", "/")).stem
        # (A fragment of hex letters, say "caf" of "café", is in 0.7 % of random names.)
        if len(stem) >= 3 and not re.fullmatch(r"[0-9a-f]{3}", stem[:3]):
            assert stem[:3] not in outcome["stored_name"]
    assert all((upload_dir / n).parent == upload_dir for n in new)
    assert not any((upload_dir / n).is_dir() for n in listing(upload_dir))

    shown = [o["name"] for o in outcomes]
    assert shown[0] == "passwd"
    assert shown[1] == "x.png"
    assert shown[2] == "abs.png"
    assert shown[3] == "evil.png"
    assert shown[4] == "nulbyte.png"
    assert shown[5] == "ctrl.png"
    assert shown[6] == "rtlgnp.exe"
    assert shown[7] == "L" * 255
    assert shown[8] == "caf\u00e9 \u65e5\u672c \U0001f600.png"

    # Nothing appeared outside the upload dir.
    for directory, entries in outside_before.items():
        added = listing(directory) - entries
        assert not {"passwd", "x.png", "abs.png", "evil.png"} & added, (directory, added)
    assert Path("/tmp/abs.png").exists() == abs_existed
    assert not Path("/etc/passwd.png").exists()
    # The shown names are what the database keeps.
    rows = rows_by_stored_name(*(o["stored_name"] for o in outcomes))
    assert [rows[o["stored_name"]].original_name for o in outcomes] == shown


def test_escaped_names_from_a_normal_client(backend_url: str, upload_dir: Path) -> None:
    """A normal client escapes control characters (%00): shown as sent, never a path."""
    t = tag()
    files = [
        (f"../../{t}/a\x00b.png", samples.image_bytes("PNG", seed=1800)),
        (f"{t}\\..\\c\x01d.png", samples.image_bytes("PNG", seed=1801)),
    ]
    before = listing(upload_dir)
    _, outcomes = upload(backend_url, ImagesState, files)
    assert [o["name"] for o in outcomes] == ["a%00b.png", "c%01d.png"]
    assert listing(upload_dir) - before == {o["stored_name"] for o in outcomes}
    assert not (upload_dir.parent / t).exists()


# --- video --------------------------------------------------------------------------


@pytest.mark.parametrize(("container", "extension"), [("mp4", ".mp4"), ("webm", ".webm")])
def test_video_handler_stores_real_videos(
    backend_url: str, upload_dir: Path, container: str, extension: str
) -> None:
    t = tag()
    data = samples.video_bytes(container, seed=5 + len(container))
    before = listing(upload_dir)
    _, outcomes = upload(backend_url, VideoState, [(f"clip-{t}.{container}", data)])
    row = assert_stored(outcomes[0], data, upload_dir, "video", extension)
    assert row.kind == "video"
    assert listing(upload_dir) - before == {row.stored_name}


def test_video_handler_refuses_text_named_mp4(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    before, rows_before = listing(upload_dir), row_count()
    text = f"this is not a video {t}\n".encode() * 20
    _, outcomes = upload(backend_url, VideoState, [(f"movie-{t}.mp4", text)])
    assert_refused(outcomes[0], "the content is plain text, expected MP4, WebM, QuickTime or Ogg")
    assert listing(upload_dir) == before
    assert row_count() == rows_before


def test_video_handler_takes_one_file(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    first = samples.video_bytes("mp4", seed=10)
    second = samples.video_bytes("webm", seed=11)
    before = listing(upload_dir)
    _, outcomes = upload(backend_url, VideoState, [(f"1-{t}.mp4", first), (f"2-{t}.webm", second)])
    assert_stored(outcomes[0], first, upload_dir, "video", ".mp4")
    assert_refused(outcomes[1], "too many files: this page takes at most 1 file per upload")
    assert listing(upload_dir) - before == {outcomes[0]["stored_name"]}


# --- malformed requests --------------------------------------------------------------


def _raw_post(backend_url: str, headers: dict[str, str], data: bytes) -> httpx.Response:
    return httpx.post(
        f"{backend_url}/_upload",
        headers=headers,
        files=[("files", (f"{tag()}.png", data, "image/png"))],
        timeout=30,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Reflex-Client-Token": "b1d5f1a8-0000-4000-8000-000000000001"},
        {"Reflex-Event-Handler": client.handler_name(ImagesState.handle_upload)},
    ],
    ids=["no-headers", "no-handler", "no-token"],
)
def test_missing_headers(backend_url: str, upload_dir: Path, headers: dict[str, str]) -> None:
    before, rows_before = listing(upload_dir), row_count()
    response = _raw_post(backend_url, headers, samples.image_bytes("PNG", seed=1900))
    assert response.status_code == 400
    assert listing(upload_dir) == before
    assert row_count() == rows_before


@pytest.mark.parametrize(
    "handler",
    [
        "reflex___state____state.upload_demo___pages___images____images_state.no_such_handler",
        "reflex___state____state.nowhere.handle_upload",
        "os.system",
        client.handler_name(ImagesState.load_items) + "x",
    ],
)
def test_unknown_handler(backend_url: str, upload_dir: Path, handler: str) -> None:
    before, rows_before = listing(upload_dir), row_count()
    headers = {"Reflex-Client-Token": str(uuid.uuid4()), "Reflex-Event-Handler": handler}
    response = _raw_post(backend_url, headers, samples.image_bytes("PNG", seed=1901))
    assert 400 <= response.status_code < 500
    assert listing(upload_dir) == before
    assert row_count() == rows_before


def test_upload_dir_holds_only_stored_files(upload_dir: Path, backend_url: str) -> None:
    """After all of the above: no temp files, no directories, only random names.

    Previews are there only beside their file and named by its record. The one
    directory is the resumable uploads' (the partial files of unfinished ones).
    """
    names = set(os.listdir(upload_dir)) - {resumable.PARTIAL_DIR}
    assert set(resumable.stray_partials(upload_dir)) == set()
    previews = names - listing(upload_dir)
    for name in names - previews:
        assert not (upload_dir / name).is_dir(), name
        assert not name.startswith(".partial-"), name
        assert STORED_NAME.match(name), name
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(
            sqlmodel.col(StoredFile.preview_name).in_(previews)
        )
        owners = {row.preview_name: row.stored_name for row in session.exec(query).all()}
    assert set(owners) == previews
    assert set(owners.values()) <= names


def test_text_file_named_mov_is_refused_on_video(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    text = f"The freedom of the press {t}.\n".encode() * 20
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(backend_url, VideoState, [(f"story-{t}.mov", text)])
    assert_refused(outcomes[0], "the content is plain text, expected MP4, WebM, QuickTime or Ogg")
    assert listing(upload_dir) == before
    assert row_count() == rows_before


def test_html_page_is_stored_as_html_on_restricted(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    html = f"<h1>free shipping</h1><p>{t}</p>".encode()
    _, outcomes = upload(backend_url, RestrictedState, [(f"offer-{t}.html", html)])
    assert_stored(outcomes[0], html, upload_dir, "restricted", ".html")
