"""A backend killed with SIGKILL mid-upload loses nothing it confirmed; the upload resumes.

The backend runs in a process of its own (tests/backend_process.py) so it can
be killed; tuspy, an independent client, finishes the upload after the restart.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlmodel
from tusclient import client as tus_client

from tests.backend import tus_client as raw
from tests.backend.own_backend import Backend
from tests.conftest import ROOT
from upload_demo import resumable
from upload_demo.models import ResumableUpload

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

MiB = 1024 * 1024


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


def _maintenance(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "upload_demo.maintenance", "check", *args],
        cwd=ROOT,
        env={**os.environ, **backend.env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_maintenance_lists_and_removes_abandoned_uploads(backend: Backend) -> None:
    data = raw.pdf_bytes(2 * MiB, seed=12)
    url = raw.created_url(backend.current.url, raw.create(backend.current.url, len(data)))
    assert raw.patch(url, 0, data[:MiB]).status_code == 204
    upload_id = url.rsplit("/", 1)[-1]
    partial = resumable.partial_path(backend.uploads, upload_id)
    stray = resumable.partial_path(backend.uploads, "f" * 32)
    stray.write_bytes(b"a crash between the file and its row")
    # A crash some time ago: a younger file may be one whose row is being committed.
    an_hour_ago = time.time() - 3600
    os.utime(stray, (an_hour_ago, an_hour_ago))

    fresh = _maintenance(backend)
    assert fresh.returncode == 1, fresh.stdout
    assert "Partial files of no resumable upload (1)" in fresh.stdout
    assert upload_id not in fresh.stdout

    with sqlmodel.Session(backend.engine) as session:
        row = session.get(ResumableUpload, upload_id)
        assert row is not None
        row.expires_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
        session.add(row)
        session.commit()
    found = _maintenance(backend)
    assert found.returncode == 1, found.stdout
    assert "Resumable uploads abandoned past their expiry (1)" in found.stdout
    assert upload_id in found.stdout

    repaired = _maintenance(backend, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "removed 2 abandoned resumable upload(s)" in repaired.stdout
    assert _row(backend, upload_id) is None
    assert not partial.exists() and not stray.exists()
    assert _maintenance(backend).returncode == 0
