"""A backend killed with SIGKILL mid-upload loses nothing it confirmed; the upload resumes.

The backend runs in a process of its own (tests/backend_process.py) so it can
be killed; tuspy, an independent client, finishes the upload after the restart.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlmodel
from tusclient import client as tus_client

from tests.backend import tus_client as raw
from tests.backend.test_crash import Backend
from upload_demo import resumable
from upload_demo.models import ResumableUpload

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

MiB = 1024 * 1024


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    running = Backend(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.close()


def _row(backend: Backend, upload_id: str) -> ResumableUpload | None:
    with sqlmodel.Session(backend.engine) as session:
        return session.get(ResumableUpload, upload_id)


def test_sigkill_mid_upload_then_resume_from_the_confirmed_offset(backend: Backend) -> None:
    data = raw.pdf_bytes(48 * MiB, seed=11)
    url = raw.created_url(backend.current.url, raw.create(backend.current.url, len(data)))
    upload_id = url.rsplit("/", 1)[-1]
    half_sent, never = threading.Event(), threading.Event()

    def body() -> Iterator[bytes]:
        for start in range(0, 24 * MiB, MiB):
            yield data[start : start + MiB]
        half_sent.set()
        never.wait(60)

    errors: list[BaseException] = []

    def send() -> None:
        try:
            raw.patch(url, 0, body())
        except httpx.HTTPError as exc:
            errors.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    assert half_sent.wait(60)
    deadline = time.monotonic() + 20
    while (row := _row(backend, upload_id)) is None or row.received < 16 * MiB:
        assert time.monotonic() < deadline, f"confirmed only {row.received if row else 0} bytes"
        time.sleep(0.05)
    backend.current.kill()
    never.set()
    sender.join(30)
    assert errors, "the PATCH should have failed with the server"

    confirmed = _row(backend, upload_id)
    assert confirmed is not None and 16 * MiB <= confirmed.received <= 24 * MiB
    partial = resumable.partial_path(backend.uploads, upload_id)
    assert partial.stat().st_size >= confirmed.received
    # What the row confirms is on disk, byte for byte.
    with partial.open("rb") as f:
        assert f.read(confirmed.received) == data[: confirmed.received]

    backend.start()
    # The new run listens on another port.
    url = f"{raw.endpoint(backend.current.url)}{upload_id}"
    assert raw.head(url).headers["upload-offset"] == str(confirmed.received)
    uploader = tus_client.TusClient(raw.endpoint(backend.current.url)).uploader(
        file_stream=io.BytesIO(data), url=url, chunk_size=8 * MiB
    )
    assert uploader.offset == confirmed.received
    uploader.upload()

    rows = backend.rows()
    assert [r.sha256 for r in rows] == [hashlib.sha256(data).hexdigest()]
    assert (backend.uploads / rows[0].stored_name).read_bytes() == data
    assert not partial.exists()
    check = backend.maintenance_check()
    assert check.returncode == 0, check.stdout + check.stderr
