"""What the backend tests do and check over and over: POST an upload, read back what it left.

Every helper talks to the real app (``tests/client.py``), the real upload dir
or the real database: nothing here stands in for them.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import reflex as rx
import sqlmodel

from tests import client, samples
from upload_demo import records
from upload_demo.media import POSTER_SUFFIX, THUMB_SUFFIX
from upload_demo.models import StoredFile
from upload_demo.resumable import PARTIAL_DIR
from upload_demo.storage import TEMP_PREFIX

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]+$")


def listing(directory: Path) -> set[str]:
    """The upload dir's files, temp files included, without derived previews.

    Thumbnails and posters are checked in test_media_uploads.py, and the last
    test here proves every preview left in the dir belongs to a stored file.
    The resumable uploads' directory of partial files is not a file.
    """
    return {
        n
        for n in os.listdir(directory)
        if not n.endswith((THUMB_SUFFIX, POSTER_SUFFIX)) and n != PARTIAL_DIR
    }


def rows_by_stored_name(*stored_names: str) -> dict[str, StoredFile]:
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(
            sqlmodel.col(StoredFile.stored_name).in_(stored_names)
        )
        return {r.stored_name: r for r in session.exec(query).all()}


def row_count() -> int:
    with rx.session() as session:
        return session.exec(sqlmodel.select(sqlmodel.func.count(sqlmodel.col(StoredFile.id)))).one()


def padded_png(size: int, seed: int) -> bytes:
    """A valid PNG header and image, padded with trailing bytes to exactly ``size``."""
    data = samples.image_bytes("PNG", size=(16, 16), seed=seed)
    return data + os.urandom(size - len(data))


def upload(
    backend_url: str, state: Any, files: list[tuple[str, bytes]], raw: bool = False
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    post = client.post_raw_upload if raw else client.post_upload
    response = post(backend_url, state.handle_upload, files)
    assert response.status_code == 200, response.text[:500]
    return response, client.outcomes(response, state)


def assert_stored(
    outcome: dict[str, Any],
    data: bytes,
    upload_dir: Path,
    page: str,
    extension: str,
) -> StoredFile:
    """The outcome says stored, the file holds the bytes, the row matches both."""
    assert outcome["stored"], outcome
    name = outcome["stored_name"]
    assert STORED_NAME.match(name), name
    assert name.endswith(extension)
    assert (upload_dir / name).read_bytes() == data
    row = rows_by_stored_name(name)[name]
    assert row.original_name == outcome["name"]
    assert row.size == outcome["size"] == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.source_page == page
    return row


def assert_refused(outcome: dict[str, Any], message: str | re.Pattern[str]) -> None:
    assert outcome["stored"] is False, outcome
    assert outcome["stored_name"] == ""
    assert outcome["size"] == 0
    if isinstance(message, str):
        assert outcome["message"] == message
    else:
        assert message.search(outcome["message"]), outcome["message"]


def wait_for_row(sha256: str, timeout: float = 60) -> StoredFile:
    """The handler records after the 202 (it keeps working once the body is in)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = records.stored_with(sha256)
        if row is not None:
            return row
        time.sleep(0.1)
    raise AssertionError(f"no record for {sha256} after {timeout} s")


def temp_files(upload_dir: Path) -> list[str]:
    return [n for n in os.listdir(upload_dir) if n.startswith(TEMP_PREFIX)]


def wait_no_temp_files(upload_dir: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while temp_files(upload_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert temp_files(upload_dir) == []


def is_safe_to_show(name: str) -> bool:
    """A name as ingest keeps it: no path, no control character, not too long, not empty."""
    return (
        0 < len(name) <= 255
        and "/" not in name
        and "\\" not in name
        and name not in {".", ".."}
        and not any(unicodedata.category(ch).startswith("C") for ch in name)
    )
