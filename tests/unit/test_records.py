"""Delete, on the real (test) database and real files.

Rows come in through the real ingest path, each test under its own source page,
so filters by page isolate a test's rows from everything else in the session's
database. The library's pages are tests/unit/test_library.py, the kept totals
tests/unit/test_totals.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx
import sqlalchemy.exc

from tests import db, samples
from tests.unit.rows import ingest, new_policy, png
from upload_demo import records
from upload_demo.library import FIRST, LibraryFilter, library_page
from upload_demo.models import StoredFile
from upload_demo.policy import UploadPolicy
from upload_demo.stores import LocalStore


def everything(policy: UploadPolicy) -> list[StoredFile]:
    return library_page(LibraryFilter(page=policy.page), "newest", FIRST, size=1000).rows


def names(policy: UploadPolicy) -> list[str]:
    return [row.original_name for row in everything(policy)]


# --- delete -----------------------------------------------------------------------


def _with_preview(record: StoredFile, directory: Path) -> StoredFile:
    """Give the row a preview file, as media processing does, unless it has one already."""
    if record.preview_name:
        return record
    preview = f"{Path(record.stored_name).stem}.thumb.webp"
    (directory / preview).write_bytes(samples.image_bytes("WEBP", seed=7))
    with rx.session() as session:
        row = session.get(StoredFile, record.id)
        assert row is not None
        row.preview_name = preview
        session.add(row)
        session.commit()
    refreshed = records.get(record.id or 0)
    assert refreshed is not None
    return refreshed


def test_delete_removes_file_preview_and_row(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("doomed.png", png()), ("kept.png", png())])
    doomed, kept = sorted(everything(policy), key=lambda r: r.original_name)
    doomed = _with_preview(doomed, tmp_path)
    assert (tmp_path / doomed.stored_name).is_file()
    assert (tmp_path / str(doomed.preview_name)).is_file()

    gone = records.delete(doomed.id or 0, LocalStore(tmp_path))

    assert gone is not None
    assert gone.original_name == "doomed.png"
    assert records.get(doomed.id or 0) is None
    assert not (tmp_path / doomed.stored_name).exists()
    assert not (tmp_path / str(doomed.preview_name)).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        name for name in (kept.stored_name, kept.preview_name) if name
    )
    assert names(policy) == ["kept.png"]
    # A second delete (another tab, a double click) finds nothing and harms nothing.
    assert records.delete(doomed.id or 0, LocalStore(tmp_path)) is None
    assert (tmp_path / kept.stored_name).is_file()


def test_a_failed_delete_commit_leaves_row_and_files(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("survivor.png", png())])
    (row,) = everything(policy)
    row = _with_preview(row, tmp_path)
    with db.refusing("DELETE"), pytest.raises(sqlalchemy.exc.IntegrityError):
        records.delete(row.id or 0, LocalStore(tmp_path))
    assert records.get(row.id or 0) is not None
    assert (tmp_path / row.stored_name).is_file()
    assert (tmp_path / str(row.preview_name)).is_file()


def test_delete_refuses_a_stored_name_that_is_a_path(tmp_path: Path) -> None:
    """A tampered row cannot make delete remove anything outside the upload dir."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    policy = new_policy()
    ingest(policy, uploads, [("victim.png", png())])
    (row,) = everything(policy)
    with rx.session() as session:
        stored = session.get(StoredFile, row.id)
        assert stored is not None
        stored.preview_name = "../outside.txt"
        session.add(stored)
        session.commit()
    assert records.delete(row.id or 0, LocalStore(uploads)) is not None
    assert outside.read_text() == "keep me"
    assert not (uploads / row.stored_name).exists()
