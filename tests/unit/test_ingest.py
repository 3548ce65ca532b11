"""ingest_batch against the real (test) database: files and rows together or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from pathlib import Path
from typing import Literal

import pytest
import reflex as rx
import sqlalchemy
import sqlalchemy.event
import sqlalchemy.exc
import sqlmodel
from PIL import Image

from tests import db, samples
from tests.db import rows_named, tag
from tests.unit.stored import kept
from upload_demo import consistency, filetypes, ingest, policy, records, storage
from upload_demo.ingest import Incoming, display_name, ingest_batch
from upload_demo.models import StoredFile
from upload_demo.policy import UploadPolicy
from upload_demo.stores import LocalStore

SMALL = UploadPolicy(
    page="unit-small",
    types=(filetypes.PNG, filetypes.JPEG),
    max_files=4,
    max_file_size=2_000,
    max_total_size=3_000,
)


def item(name: str, data: bytes, declared: int | Literal["real"] | None = "real") -> Incoming:
    size = len(data) if declared == "real" else declared
    return Incoming(name, io.BytesIO(data), size)


def png_of_size(size: int, seed: int) -> bytes:
    """A real 1-pixel PNG padded with random trailing bytes (distinct content) to ``size``."""
    out = io.BytesIO()
    Image.new("L", (1, 1), seed % 256).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) <= size
    return data + os.urandom(size - len(data))


def row_for(stored_name: str) -> StoredFile | None:
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.stored_name == stored_name)
        return session.exec(query).first()


def listing(directory: Path) -> set[str]:
    return set(os.listdir(directory))


def files_for(*outcomes: ingest.Outcome) -> set[str]:
    """What stored outcomes put in the upload dir: each file and, for media, its preview."""
    names = set()
    for outcome in outcomes:
        row = row_for(outcome.stored_name)
        assert row is not None, outcome
        names.add(row.stored_name)
        if row.kind in ("image", "video"):
            assert row.preview_name, row
            names.add(row.preview_name)
    return names


def insert_fails_for(original_name: str) -> contextlib.AbstractContextManager[None]:
    """A real database failure: inserting a row with this original name is aborted."""
    assert original_name.isalnum()
    return db.refusing("INSERT", f"NEW.original_name = '{original_name}'")


def test_mixed_batch_keeps_good_files_and_refuses_bad_ones(tmp_path: Path) -> None:
    t = tag()
    png = samples.image_bytes("PNG", seed=101)
    jpeg = samples.image_bytes("JPEG", seed=102)
    batch = [
        item(f"good-{t}.png", png),
        item(f"html-{t}.png", samples.html_bytes(t)),
        item(f"empty-{t}.png", b""),
        item(f"jpeg-{t}.png", jpeg),
        item(f"garbage-{t}.gif", b"\x00\x01garbage" + t.encode()),
        item(f"pdf-{t}.png", samples.pdf_bytes(t)),
    ]
    outcomes = ingest_batch(batch, policy.IMAGES, LocalStore(tmp_path))

    assert [o.stored for o in outcomes] == [True, False, False, True, False, False]
    assert [o.name for o in outcomes] == [i.name for i in batch]
    assert outcomes[0].message == "stored as PNG"
    assert outcomes[1].message == "the content is HTML, expected PNG, JPEG, GIF or WebP"
    assert outcomes[2].message == "the file is empty"
    assert outcomes[3].message == "stored as JPEG"
    assert outcomes[4].message == "unrecognised content, expected PNG, JPEG, GIF or WebP"
    assert outcomes[5].message == "the content is PDF, expected PNG, JPEG, GIF or WebP"
    for refused in (outcomes[1], outcomes[2], outcomes[4], outcomes[5]):
        assert (refused.stored_name, refused.kind, refused.size) == ("", "", 0)

    # The extension comes from the content: the JPEG called .png is a .jpg.
    assert outcomes[0].stored_name.endswith(".png")
    assert outcomes[3].stored_name.endswith(".jpg")
    assert listing(tmp_path) == files_for(outcomes[0], outcomes[3])

    rows = {r.original_name: r for r in rows_named(*(i.name for i in batch))}
    assert set(rows) == {f"good-{t}.png", f"jpeg-{t}.png"}
    for outcome, data, mime in ((outcomes[0], png, "image/png"), (outcomes[3], jpeg, "image/jpeg")):
        row = rows[outcome.name]
        assert row.stored_name == outcome.stored_name
        assert row.size == outcome.size == len(data)
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert row.kind == outcome.kind == "image"
        assert row.content_type == mime
        assert row.source_page == "images"
        assert (tmp_path / row.stored_name).read_bytes() == data


def test_refused_file_leaves_no_file_and_no_row(tmp_path: Path) -> None:
    t = tag()
    outcomes = ingest_batch(
        [item(f"page-{t}.png", samples.html_bytes(t))], policy.RESTRICTED, LocalStore(tmp_path)
    )
    # HTML is allowed on the restricted page: prove the refusal below is about the policy.
    assert outcomes[0].stored
    outcomes = ingest_batch(
        [item(f"evil-{t}.png", samples.html_bytes(t))], policy.IMAGES, LocalStore(tmp_path)
    )
    assert not outcomes[0].stored
    assert rows_named(f"evil-{t}.png") == []
    assert os.listdir(tmp_path) == [rows_named(f"page-{t}.png")[0].stored_name]  # no preview


def test_count_limit(tmp_path: Path) -> None:
    t = tag()
    batch = [item(f"f{i}-{t}.png", samples.image_bytes("PNG", seed=200 + i)) for i in range(6)]
    outcomes = ingest_batch(batch, policy.RESTRICTED, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [True] * 5 + [False]
    assert outcomes[5].message == "too many files: this page takes at most 5 files per upload"
    assert listing(tmp_path) == files_for(*outcomes[:5])
    assert {r.original_name for r in rows_named(*(i.name for i in batch))} == {
        i.name for i in batch[:5]
    }


def test_single_file_page_takes_one(tmp_path: Path) -> None:
    t = tag()
    batch = [
        item(f"a-{t}.mp4", samples.video_bytes("mp4", seed=21)),
        item(f"b-{t}.mp4", samples.video_bytes("mp4", seed=22)),
    ]
    outcomes = ingest_batch(batch, policy.VIDEO, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [True, False]
    assert outcomes[1].message == "too many files: this page takes at most 1 file per upload"
    assert listing(tmp_path) == files_for(outcomes[0])


@pytest.mark.parametrize("declared", ["real", None, 10], ids=["declared", "unknown", "lying"])
def test_over_the_per_file_limit(tmp_path: Path, declared: int | Literal["real"] | None) -> None:
    t = tag()
    batch = [
        item(f"big-{t}.png", png_of_size(2_001, seed=300), declared),
        item(f"ok-{t}.png", png_of_size(2_000, seed=301)),
    ]
    outcomes = ingest_batch(batch, SMALL, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [False, True]
    assert outcomes[0].message.startswith("too large")
    assert outcomes[0].message.endswith("the limit is 2 kB per file")
    assert listing(tmp_path) == files_for(outcomes[1])
    assert [r.original_name for r in rows_named(f"big-{t}.png", f"ok-{t}.png")] == [f"ok-{t}.png"]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "unknown"])
def test_file_that_breaks_the_total_is_refused(tmp_path: Path, declared: bool) -> None:
    t = tag()
    sizes = [1_500, 1_400, 200, 100]
    batch = [
        item(f"t{i}-{t}.png", png_of_size(size, seed=310 + i), "real" if declared else None)
        for i, size in enumerate(sizes)
    ]
    outcomes = ingest_batch(batch, SMALL, LocalStore(tmp_path))
    # 1500 + 1400 = 2900; +200 breaks 3000; 100 more reaches exactly 3000: fine.
    assert [o.stored for o in outcomes] == [True, True, False, True]
    assert outcomes[2].message == "over the upload's total limit of 3 kB"
    assert listing(tmp_path) == files_for(outcomes[0], outcomes[1], outcomes[3])
    stored = {r.original_name for r in rows_named(*(i.name for i in batch))}
    assert stored == {batch[0].name, batch[1].name, batch[3].name}


def test_failed_commit_leaves_no_file(tmp_path: Path) -> None:
    t = tag()
    doomed = f"doomed{t}"
    batch = [
        item(doomed, samples.image_bytes("PNG", seed=400)),
        item(f"fine-{t}.png", samples.image_bytes("PNG", seed=401)),
    ]
    before = set(os.listdir(tmp_path))
    with insert_fails_for(doomed):
        outcomes = ingest_batch(batch, policy.IMAGES, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [False, True]
    assert outcomes[0].message == (
        "could not be stored because of a server error; nothing was kept"
    )
    assert rows_named(doomed) == []
    assert listing(tmp_path) - before == files_for(outcomes[1])
    assert storage.temp_files(tmp_path) == []


def test_unique_collision_on_commit_removes_the_new_file(tmp_path: Path) -> None:
    """A real IntegrityError (stored_name is UNIQUE): the file just written is removed."""
    t = tag()
    data = samples.image_bytes("PNG", seed=410)
    blob = kept(io.BytesIO(data), tmp_path, ".png", max_bytes=len(data))
    fields = {
        "stored_name": blob.staged.name,
        "kind": "image",
        "content_type": "image/png",
        "size": blob.size,
        "sha256": blob.sha256,
        "source_page": "unit",
    }
    with rx.session() as session:
        session.add(StoredFile(original_name=f"first-{t}.png", **fields))
        session.commit()
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        records.commit_or_discard(
            StoredFile(original_name=f"second-{t}.png", **fields), LocalStore(tmp_path)
        )
    assert not (tmp_path / blob.staged.name).exists()
    assert os.listdir(tmp_path) == []
    assert [r.original_name for r in rows_named(f"first-{t}.png", f"second-{t}.png")] == [
        f"first-{t}.png"
    ]


def test_commit_or_discard_keeps_file_and_row_on_success(tmp_path: Path) -> None:
    t = tag()
    blob = kept(io.BytesIO(b"%PDF-1.4 x"), tmp_path, ".pdf", max_bytes=100)
    record = records.commit_or_discard(
        StoredFile(
            original_name=f"ok-{t}.pdf",
            stored_name=blob.staged.name,
            kind="document",
            content_type="application/pdf",
            size=blob.size,
            sha256=blob.sha256,
            source_page="unit",
        ),
        LocalStore(tmp_path),
    )
    assert record.id is not None
    assert (tmp_path / blob.staged.name).exists()
    row = row_for(blob.staged.name)
    assert row is not None and row.original_name == f"ok-{t}.pdf"


def test_a_failure_after_the_commit_keeps_file_and_row(tmp_path: Path) -> None:
    """Another writer locks the database just after our commit: nothing may be discarded."""
    t = tag()
    data = samples.pdf_bytes(t)
    blob = kept(io.BytesIO(data), tmp_path, ".pdf", max_bytes=len(data))
    record = StoredFile(
        original_name=f"kept-{t}.pdf",
        stored_name=blob.staged.name,
        kind="document",
        content_type="application/pdf",
        size=blob.size,
        sha256=blob.sha256,
        source_page="unit",
    )
    with db.locked_after_commit() as lock:
        record = records.commit_or_discard(record, LocalStore(tmp_path))
        assert lock, "the database was not locked after the commit"
        # Read without a query: the lock would make any query fail.
        assert record.id is not None
        assert record.original_name == f"kept-{t}.pdf"
    assert (tmp_path / blob.staged.name).read_bytes() == data
    row = row_for(blob.staged.name)
    assert row is not None and row.id == record.id


def test_a_failure_after_the_commit_keeps_the_upload(tmp_path: Path) -> None:
    t = tag()
    with db.locked_after_commit() as lock:
        (outcome,) = ingest_batch(
            [item(f"locked-{t}.png", samples.image_bytes("PNG", seed=415))],
            policy.IMAGES,
            LocalStore(tmp_path),
        )
        assert lock
    assert outcome.stored, outcome.message
    assert listing(tmp_path) == files_for(outcome)  # the file and its thumbnail


def test_published_files_stay_locked_until_their_record_is_committed(tmp_path: Path) -> None:
    """The maintenance check, run just before the commit, sees an upload still being stored."""
    t = tag()
    seen: list[consistency.Report] = []

    def check_before_commit(session: sqlmodel.Session) -> None:
        if not seen and any(isinstance(new, StoredFile) for new in session.new):
            seen.append(consistency.scan(LocalStore(tmp_path)))

    sqlalchemy.event.listen(sqlmodel.Session, "before_commit", check_before_commit)
    try:
        (outcome,) = ingest_batch(
            [item(f"committing-{t}.png", samples.image_bytes("PNG", seed=416))],
            policy.IMAGES,
            LocalStore(tmp_path),
        )
    finally:
        sqlalchemy.event.remove(sqlmodel.Session, "before_commit", check_before_commit)
    assert outcome.stored, outcome.message
    (report,) = seen
    assert report.orphan_files == []
    # The file and its thumbnail, published, without a committed record, locked by their writer.
    assert sorted(report.busy_files) == sorted(files_for(outcome))
    assert len(report.busy_files) == 2
    # Once committed and closed, both are simply stored.
    after = consistency.scan(LocalStore(tmp_path))
    assert (after.orphan_files, after.busy_files) == ([], [])


class BrokenStream(io.RawIOBase):
    """A spooled upload that cannot be read past its head (disk error)."""

    def __init__(self, head: bytes) -> None:
        self._head = io.BytesIO(head)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._head.read(size)
        if not chunk:
            raise OSError("I/O error")
        return chunk


def test_read_error_mid_file_keeps_nothing_and_the_batch_goes_on(tmp_path: Path) -> None:
    t = tag()
    batch = [
        Incoming(f"broken-{t}.png", BrokenStream(samples.image_bytes("PNG", seed=420)), None),
        item(f"after-{t}.png", samples.image_bytes("PNG", seed=421)),
    ]
    outcomes = ingest_batch(batch, policy.IMAGES, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [False, True]
    assert "server error" in outcomes[0].message
    assert listing(tmp_path) == files_for(outcomes[1])
    assert [r.original_name for r in rows_named(f"broken-{t}.png", f"after-{t}.png")] == [
        f"after-{t}.png"
    ]


def test_stored_name_never_contains_the_client_name(tmp_path: Path) -> None:
    t = tag()
    name = f"../../{t}secret.png"
    outcomes = ingest_batch(
        [item(name, samples.image_bytes("PNG", seed=430))], policy.IMAGES, LocalStore(tmp_path)
    )
    assert outcomes[0].stored
    assert outcomes[0].name == f"{t}secret.png"
    assert t not in outcomes[0].stored_name
    assert "secret" not in outcomes[0].stored_name
    assert listing(tmp_path) == files_for(outcomes[0])
    assert not (tmp_path.parent.parent / f"{t}secret.png").exists()


# --- media ------------------------------------------------------------------------


def test_image_is_measured_and_gets_a_thumbnail(tmp_path: Path) -> None:
    t = tag()
    outcomes = ingest_batch(
        [item(f"turned-{t}.jpg", samples.oriented_jpeg(6, size=(800, 400)))],
        policy.IMAGES,
        LocalStore(tmp_path),
    )
    assert outcomes[0].stored, outcomes[0]
    row = row_for(outcomes[0].stored_name)
    assert row is not None
    assert (row.width, row.height) == (400, 800)
    assert (row.duration, row.codec) == (None, None)
    preview = outcomes[0].stored_name.removesuffix(".jpg") + ".thumb.webp"
    assert row.preview_name == preview
    with Image.open(tmp_path / preview) as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (160, 320))
    assert listing(tmp_path) == {row.stored_name, preview}


def test_video_is_measured_and_gets_a_poster(tmp_path: Path) -> None:
    t = tag()
    data = samples.video_bytes("webm", frames=30)
    outcomes = ingest_batch([item(f"clip-{t}.webm", data)], policy.VIDEO, LocalStore(tmp_path))
    assert outcomes[0].stored, outcomes[0]
    row = row_for(outcomes[0].stored_name)
    assert row is not None
    assert (row.width, row.height, row.codec) == (64, 48, "vp8")
    assert row.duration == pytest.approx(2.5, abs=0.1)
    preview = outcomes[0].stored_name.replace(".webm", ".poster.jpg")
    assert row.preview_name == preview
    with Image.open(tmp_path / preview) as poster:
        assert (poster.format, poster.size) == ("JPEG", (64, 48))
    assert (tmp_path / row.stored_name).read_bytes() == data


def test_documents_get_no_preview(tmp_path: Path) -> None:
    t = tag()
    outcomes = ingest_batch(
        [item(f"doc-{t}.pdf", samples.pdf_bytes(t))], policy.RESTRICTED, LocalStore(tmp_path)
    )
    row = row_for(outcomes[0].stored_name)
    assert row is not None
    assert (row.preview_name, row.width, row.height) == (None, None, None)
    assert listing(tmp_path) == {row.stored_name}


def test_media_refusals_leave_nothing(tmp_path: Path) -> None:
    t = tag()
    good = samples.image_bytes("PNG", seed=440)
    batch = [
        item(f"cut-{t}.png", samples.noisy_png(50_000)[:30_000]),
        item(f"bomb-{t}.png", samples.png_claiming(9000, 9000)),
        item(f"good-{t}.png", good),
    ]
    outcomes = ingest_batch(batch, policy.IMAGES, LocalStore(tmp_path))
    assert [o.stored for o in outcomes] == [False, False, True]
    assert outcomes[0].message == "not a valid PNG image: the file is truncated or corrupt"
    assert outcomes[1].message == (
        "too many pixels: 9000 × 9000 (81 megapixels) is over the limit of 50 megapixels"
    )
    assert (outcomes[0].size, outcomes[1].size) == (0, 0)
    assert listing(tmp_path) == files_for(outcomes[2])
    assert rows_named(f"cut-{t}.png", f"bomb-{t}.png") == []


def test_audio_only_upload_to_video_leaves_nothing(tmp_path: Path) -> None:
    t = tag()
    outcomes = ingest_batch(
        [item(f"song-{t}.mp4", samples.audio_bytes("mp4"))], policy.VIDEO, LocalStore(tmp_path)
    )
    assert not outcomes[0].stored
    assert outcomes[0].message == "no video stream in this MP4 file (it holds only audio)"
    assert os.listdir(tmp_path) == []
    assert rows_named(f"song-{t}.mp4") == []


@pytest.mark.parametrize(
    ("container", "mime", "extension"),
    [("mp4", "audio/mp4", ".m4a"), ("ogg", "audio/ogg", ".oga"), ("webm", "audio/webm", ".weba")],
)
def test_audio_only_upload_to_large_is_kept_as_audio(
    tmp_path: Path, container: str, mime: str, extension: str
) -> None:
    t = tag()
    data = samples.audio_bytes(container)
    (outcome,) = ingest_batch(
        [item(f"song-{t}.{container}", data)], policy.LARGE, LocalStore(tmp_path)
    )
    assert outcome.stored, outcome.message
    assert outcome.kind == "audio"
    assert outcome.stored_name.endswith(extension)
    # The file under its new name only: no poster, no temp file left behind.
    assert os.listdir(tmp_path) == [outcome.stored_name]
    assert (tmp_path / outcome.stored_name).read_bytes() == data
    (row,) = rows_named(f"song-{t}.{container}")
    assert (row.kind, row.content_type, row.preview_name) == ("audio", mime, None)


def test_text_named_mp4_is_refused_before_storage(tmp_path: Path) -> None:
    t = tag()
    text = f"not a video {t}\n".encode() * 30
    outcomes = ingest_batch([item(f"movie-{t}.mp4", text)], policy.VIDEO, LocalStore(tmp_path))
    assert outcomes[0].message == "the content is plain text, expected MP4, WebM, QuickTime or Ogg"
    assert os.listdir(tmp_path) == []


def test_failed_commit_removes_the_video_and_its_poster(tmp_path: Path) -> None:
    t = tag()
    doomed = f"doomedclip{t}"
    with insert_fails_for(doomed):
        outcomes = ingest_batch(
            [item(doomed, samples.video_bytes("mp4", frames=6))], policy.VIDEO, LocalStore(tmp_path)
        )
    assert not outcomes[0].stored
    assert "server error" in outcomes[0].message
    assert os.listdir(tmp_path) == []
    assert rows_named(doomed) == []


# --- duplicates -------------------------------------------------------------------


def test_same_bytes_twice_in_one_batch(tmp_path: Path) -> None:
    t = tag()
    data = samples.image_bytes("JPEG", seed=450)
    outcomes = ingest_batch(
        [item(f"first-{t}.jpg", data), item(f"again-{t}.jpg", data)],
        policy.IMAGES,
        LocalStore(tmp_path),
    )
    first, again = outcomes
    assert first.stored and not again.stored
    assert again.message == f"already stored as first-{t}.jpg (from /images)"
    assert again.duplicate_of == first.stored_name
    assert (again.stored_name, again.size) == ("", 0)
    assert first.duplicate_of == ""
    assert listing(tmp_path) == files_for(first)
    assert [r.original_name for r in rows_named(f"first-{t}.jpg", f"again-{t}.jpg")] == [
        f"first-{t}.jpg"
    ]


def test_same_bytes_on_another_page_later(tmp_path: Path) -> None:
    t = tag()
    data = samples.image_bytes("PNG", seed=451)
    earlier = tmp_path / "earlier"
    (stored,) = ingest_batch([item(f"orig-{t}.png", data)], policy.RESTRICTED, LocalStore(earlier))
    before = listing(earlier)
    (repeat,) = ingest_batch([item(f"copy-{t}.png", data)], policy.IMAGES, LocalStore(tmp_path))
    assert repeat.message == f"already stored as orig-{t}.png (from /restricted)"
    assert repeat.duplicate_of == stored.stored_name
    assert listing(tmp_path) == {"earlier"}
    assert listing(earlier) == before
    assert rows_named(f"copy-{t}.png") == []


def test_duplicate_of_a_document(tmp_path: Path) -> None:
    t = tag()
    pdf = samples.pdf_bytes(t)
    outcomes = ingest_batch(
        [item(f"a-{t}.pdf", pdf), item(f"b-{t}.pdf", pdf)], policy.RESTRICTED, LocalStore(tmp_path)
    )
    assert outcomes[1].message == f"already stored as a-{t}.pdf (from /restricted)"
    assert listing(tmp_path) == {outcomes[0].stored_name}


def test_duplicate_is_found_before_any_decoding(tmp_path: Path) -> None:
    data = samples.photo_jpeg((800, 600), seed=452)
    ingest_batch([item(f"orig-{tag()}.jpg", data)], policy.IMAGES, LocalStore(tmp_path))
    Image.core.reset_stats()
    (repeat,) = ingest_batch([item(f"copy-{tag()}.jpg", data)], policy.IMAGES, LocalStore(tmp_path))
    assert repeat.duplicate_of
    # Pillow allocated no image: the repeat was never decoded.
    assert Image.core.get_stats()["new_count"] == 0


def test_race_between_lookup_and_commit_is_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another upload commits the same bytes after our lookup: the UNIQUE index decides."""
    t = tag()
    data = samples.image_bytes("PNG", seed=453)
    other = tmp_path / "other"
    (winner,) = ingest_batch([item(f"winner-{t}.png", data)], policy.IMAGES, LocalStore(other))
    real_lookup = records.stored_with
    lookups: list[str] = []

    def lookup_before_the_other_commit(sha256: str) -> StoredFile | None:
        lookups.append(sha256)
        return None if len(lookups) == 1 else real_lookup(sha256)

    monkeypatch.setattr(records, "stored_with", lookup_before_the_other_commit)
    target = tmp_path / "mine"
    (loser,) = ingest_batch([item(f"loser-{t}.png", data)], policy.IMAGES, LocalStore(target))

    assert len(lookups) == 2  # the first saw nothing; the second followed the IntegrityError
    assert not loser.stored
    assert loser.message == f"already stored as winner-{t}.png (from /images)"
    assert loser.duplicate_of == winner.stored_name
    assert os.listdir(target) == []  # neither the file nor its thumbnail, nor a temp file
    assert rows_named(f"loser-{t}.png") == []


# --- folders --------------------------------------------------------------


def test_the_folder_is_recorded_beside_the_name(tmp_path: Path) -> None:
    t = tag()
    sent = [
        item(f"/photos/sub/drop-{t}.png", png_of_size(300, 1)),
        item(f"photos\\Ärger/pick-{t}.png", png_of_size(300, 2)),
        item(f"../../etc/up-{t}.png", png_of_size(300, 3)),
        item(f"./lone-{t}.png", png_of_size(300, 4)),
    ]
    outcomes = ingest_batch(sent, SMALL, LocalStore(tmp_path))
    assert all(o.stored for o in outcomes), outcomes
    assert [o.name for o in outcomes] == [
        f"drop-{t}.png",
        f"pick-{t}.png",
        f"up-{t}.png",
        f"lone-{t}.png",
    ]
    rows = [row_for(o.stored_name) for o in outcomes]
    assert [(r.folder, r.folder_key) for r in rows if r is not None] == [
        ("photos/sub", "photos/sub"),
        ("photos/Ärger", "photos/arger"),
        ("etc", "etc"),
        ("", ""),
    ]


def test_the_same_bytes_from_another_folder_are_a_repeat(tmp_path: Path) -> None:
    t = tag()
    data = png_of_size(400, 5)
    (first,) = ingest_batch([item(f"one/same-{t}.png", data)], SMALL, LocalStore(tmp_path))
    (again,) = ingest_batch([item(f"two/same-{t}.png", data)], SMALL, LocalStore(tmp_path))
    assert first.stored and not again.stored and again.repeat
    assert again.duplicate_of == first.stored_name
    assert [r.folder for r in rows_named(f"same-{t}.png")] == ["one"]


# --- display_name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("photo.png", "photo.png"),
        ("../../etc/passwd", "passwd"),
        ("/tmp/abs.png", "abs.png"),
        ("C:\\Users\\me\\cat.jpg", "cat.jpg"),
        ("..\\..\\x.png", "x.png"),
        ("dir/sub\\mixed.gif", "mixed.gif"),
        ("a\x00b.png", "ab.png"),
        ("tab\there\nnew\rline.png", "tabherenewline.png"),
        ("\x1b[31mred\x1b[0m.png", "[31mred[0m.png"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("zero\u200bwidth.png", "zerowidth.png"),
        ("\x7fdel.png", "del.png"),
        ("  spaced.png  ", "spaced.png"),
        ("caf\u00e9 \u65e5\u672c \U0001f600.png", "caf\u00e9 \u65e5\u672c \U0001f600.png"),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


@pytest.mark.parametrize(
    "raw", [None, "", ".", "..", "/", "a/", "../..", "dir/..", "\x00", "\x01\x02", "   ", "\\"]
)
def test_display_name_of_nothing(raw: str | None) -> None:
    assert display_name(raw) == "(unnamed file)"


def test_display_name_caps_length() -> None:
    assert display_name("a" * 300 + ".png") == "a" * ingest.MAX_NAME_LENGTH
    assert display_name("\u00e9" * 1000) == "\u00e9" * ingest.MAX_NAME_LENGTH
    assert len(display_name("x" * 10_000)) == ingest.MAX_NAME_LENGTH


def test_display_name_is_never_a_path() -> None:
    for raw in ["../../x", "/abs", "a\\b", "..\\..\\y", "\x00/..", "ok/../.."]:
        shown = display_name(raw)
        assert "/" not in shown and "\\" not in shown and "\x00" not in shown
        assert shown not in {".", ".."}


def test_a_picture_over_the_pixel_budget_is_kept_undecoded_where_any_file_is(
    tmp_path: Path,
) -> None:
    t = tag()
    (outcome,) = ingest_batch(
        [item(f"panorama-{t}.png", samples.png_claiming(9000, 9000))],
        policy.LARGE,
        LocalStore(tmp_path),
    )
    assert outcome.stored, outcome.message
    assert outcome.message == (
        "stored as PNG (no thumbnail: too many pixels: 9000 × 9000 (81 megapixels) is over "
        "the limit of 50 megapixels)"
    )
    row = row_for(outcome.stored_name)
    assert row is not None and row.kind == "image"
    assert (row.preview_name, row.width, row.height) == (None, None, None)
    assert listing(tmp_path) == {row.stored_name}
