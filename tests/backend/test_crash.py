"""The backend killed with SIGKILL in the middle of an upload, then restarted.

A real backend runs as its own process (uvicorn on the app, as in production),
with a database and upload dir of its own. The kill lands either while the
request body is still arriving (Starlette is spooling it, and the handler has
not run) or while the handler copies a file into the upload dir (a
``.partial-`` temp file exists). Either way there must be no record and no
published file, and after the restart the upload dir holds nothing and
``python -m upload_demo.maintenance check`` exits 0.

Each kill is preceded by SIGSTOP the moment the awaited state is seen: the
backend freezes at once, so what the test inspects is exactly what the kill
leaves, and no race with a fast copy can publish the file in between.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests import client, samples
from tests.backend.own_backend import Backend
from tests.backend_process import spool_files
from upload_demo.consistency import TEMP_GRACE_S
from upload_demo.pages.one_step import OneStepState
from upload_demo.pages.video import VideoState

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

#: How often the test looks for the state it waits for (the backend keeps a core).
POLL_S = 0.005

#: The file copied in: at ~270 MB/s (copy, hash and fsync, measured here) its copy
#: spans about 100 polls, so a poll cannot miss it and the backend be stopped too late.
COPIED_SIZE = 150_000_000


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(POLL_S)


def restart_and_check(backend: Backend, partial: list[Path]) -> None:
    """Restart after the crash: the clean-up removes the temp files, the check is clean."""
    # A crash is followed by a restart some seconds later; the clean-up leaves
    # temp files younger than its grace alone, so do not restart faster than that.
    for path in partial:
        age = time.time() - path.stat().st_mtime
        time.sleep(max(0.0, TEMP_GRACE_S + 0.1 - age))
    backend.start()
    assert list(backend.uploads.iterdir()) == []
    for path in partial:
        assert f"removed a crashed upload's temp file {path}" in backend.current.log()
    assert backend.rows() == []
    check = backend.maintenance_check()
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Clean" in check.stdout


def test_killed_while_the_body_arrives(backend: Backend) -> None:
    """Half a request sent, then the server dies: nothing stored, nothing recorded.

    The handler never ran, so the upload dir stays empty (not even a temp
    file). The bytes received so far were in Starlette's spool, an unlinked
    temporary file in the system temp dir: it has no name to leave behind, and
    the kernel frees it when the killed process's descriptors close.
    """
    body, content_type = client.multipart_body(
        [(f"slow-{uuid.uuid4().hex[:8]}.pdf", samples.pdf_bytes("slow") + os.urandom(8_000_000))]
    )
    url = httpx.URL(backend.current.url)
    sock = socket.create_connection((url.host, url.port))
    head = (
        "POST /_upload HTTP/1.1\r\n"
        f"Host: {url.host}\r\n"
        f"Reflex-Client-Token: {uuid.uuid4()}\r\n"
        f"Reflex-Event-Handler: {client.handler_name(OneStepState.handle_upload)}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sent = len(body) // 2
    sock.sendall(head.encode() + body[:sent])
    pid = backend.current.pid
    try:
        wait_for(lambda: spool_files(pid), 30, "the backend to spool the upload")
        backend.current.freeze()
        [spool] = spool_files(pid)
        spooled = os.stat(f"/proc/{pid}/fd/{spool.fd}").st_size
        backend.current.kill()
    finally:
        sock.close()

    # The kill landed mid-body: part of the file was on disk, in a file with no name.
    assert 0 < spooled < sent, (spooled, sent)
    assert spool.target.endswith(" (deleted)"), spool
    assert not Path(spool.target.removesuffix(" (deleted)")).exists()
    assert backend.rows() == []
    assert list(backend.uploads.iterdir()) == []
    restart_and_check(backend, [])


def test_killed_while_the_file_is_copied_in(backend: Backend) -> None:
    """The whole request arrived; the kill lands while the handler writes the temp file."""
    data = samples.video_bytes("webm") + os.urandom(COPIED_SIZE)
    size = len(data)
    name = f"copied-{uuid.uuid4().hex[:8]}.webm"
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(
                client.post_upload(
                    backend.current.url, VideoState.handle_upload, [(name, data)], timeout=120
                )
            )
        except httpx.TransportError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=post)
    sender.start()
    try:
        wait_for(lambda: backend.temp_files() or outcome, 90, "a temp file in the upload dir")
        backend.current.freeze()
        assert not outcome, f"the upload finished before a temp file was seen: {outcome}"
        [partial] = backend.temp_files()
        # Frozen mid-copy: part of the bytes are in the temp file, nothing is published.
        copied = partial.stat().st_size
        assert backend.published_files() == []
        backend.current.kill()
    finally:
        backend.current.stop()
        sender.join(timeout=30)

    assert copied < size, "the backend should have been stopped before the copy ended"
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError), outcome
    assert backend.temp_files() == [partial]
    assert backend.published_files() == []
    assert backend.rows() == []
    restart_and_check(backend, [partial])
