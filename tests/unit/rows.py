"""Rows for the library's tests: through the real ingest path, or many at once.

Each test stores under a source page of its own, so filtering by that page
isolates its rows from everything else in the session's shared database.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import reflex as rx
import sqlalchemy
import sqlmodel

from tests import samples
from upload_demo import filetypes
from upload_demo.ingest import Incoming, ingest_batch
from upload_demo.models import StoredFile
from upload_demo.policy import UploadPolicy
from upload_demo.stores import LocalStore


def new_policy() -> UploadPolicy:
    """A policy of its own: its page name marks this test's rows."""
    return UploadPolicy(
        page=f"unit-lib-{uuid.uuid4().hex[:10]}",
        types=(filetypes.PNG, filetypes.PDF),
        max_files=20,
        max_file_size=1_000_000,
        max_total_size=10_000_000,
    )


def png(pixels: int = 10) -> bytes:
    """A real PNG of random pixels: distinct bytes every call."""
    return samples.noisy_png(pixels * pixels * 3, seed=random.getrandbits(64))


def ingest(policy: UploadPolicy, directory: Path, files: list[tuple[str, bytes]]) -> None:
    outcomes = ingest_batch(
        [Incoming(name, io.BytesIO(data), len(data)) for name, data in files],
        policy,
        LocalStore(directory),
    )
    assert all(o.stored for o in outcomes), [o.message for o in outcomes]


def row_id(row: StoredFile) -> int:
    """A stored row's id (the model's ``int | None`` is for rows not yet saved)."""
    assert row.id is not None
    return row.id


def bulk_row_values(page: str, count: int = 10_000, *, seed: int = 4) -> list[dict[str, Any]]:
    """``count`` rows' values under one page (no files: only the queries are under test).

    Many rows share a timestamp, a size or a name: only the id can order them.
    """
    rng = random.Random(seed)
    words = ["Holiday", "scan", "Clip", "notes"]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return [
        {
            "original_name": f"{rng.choice(words)}-{i % 997:05d}.bin",
            "stored_name": f"{page}-{i:05d}.bin",
            "kind": ("image", "video", "document")[i % 3],
            "content_type": "application/octet-stream",
            "size": rng.randrange(1, 5_000_000) if i % 4 else 1000 * (i % 5),
            "sha256": f"{page}-{i:05d}",
            "source_page": page,
            "created_at": start + datetime.timedelta(seconds=i // 7),
        }
        for i in range(count)
    ]


def insert_rows(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert ``rows`` in one statement; stored name -> id."""
    with rx.session() as session:
        session.execute(sqlalchemy.insert(StoredFile), rows)
        session.commit()
        pages = {row["source_page"] for row in rows}
        query = sqlmodel.select(StoredFile.stored_name, StoredFile.id).where(
            sqlmodel.col(StoredFile.source_page).in_(pages)
        )
        return {name: row_id for name, row_id in session.exec(query).all() if row_id is not None}


def delete_page(page: str) -> None:
    with rx.session() as session:
        session.execute(
            sqlalchemy.delete(StoredFile).where(sqlmodel.col(StoredFile.source_page) == page)
        )
        session.commit()


@contextlib.contextmanager
def bulk_page(count: int = 10_000, *, seed: int = 4) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``count`` rows under a new page, each with its ``id``; deleted afterwards."""
    page = f"unit-bulk-{uuid.uuid4().hex[:10]}"
    rows = bulk_row_values(page, count, seed=seed)
    ids = insert_rows(rows)
    for row in rows:
        row["id"] = ids[row["stored_name"]]
    try:
        yield page, rows
    finally:
        delete_page(page)
