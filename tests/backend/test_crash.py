"""The backend killed with SIGKILL in the middle of an upload, then restarted.

A real backend runs as its own process (uvicorn on the app, as in production),
with a database and upload dir of its own. The kill lands either while the
request body is still arriving (Starlette is spooling it) or while the handler
copies a file into the upload dir (a ``.partial-`` temp file exists). Either
way there must be no record, and after the restart the start-up clean-up has
removed the temp file and ``python -m upload_demo.maintenance check`` exits 0.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlmodel

from tests import client, samples
from tests.conftest import ROOT
from upload_demo.maintenance import TEMP_GRACE_S
from upload_demo.models import StoredFile
from upload_demo.pages.one_step import OneStepState
from upload_demo.storage import TEMP_PREFIX

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Backend:
    """``python -m uvicorn`` on the app, with this test's upload dir and database."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.uploads = workdir / "uploaded_files"
        self.uploads.mkdir()
        self.db_url = f"sqlite:///{workdir / 'crash.db'}"
        self.engine = sqlmodel.create_engine(self.db_url)
        StoredFile.metadata.create_all(self.engine)
        self.env = {
            **os.environ,
            "REFLEX_UPLOADED_FILES_DIR": str(self.uploads),
            "REFLEX_DB_URL": self.db_url,
            # Compile into a scratch dir: the session's own app keeps using .web.
            "REFLEX_WEB_WORKDIR": str(workdir / "web"),
            "REFLEX_STATES_WORKDIR": str(workdir / "states"),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.starts = 0

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.starts += 1
        log = (self.workdir / f"backend-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", "upload_demo.upload_demo:app"),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"backend did not start:\n{self.log()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return (self.workdir / f"backend-{self.starts}.log").read_text(errors="replace")

    def rows(self) -> list[StoredFile]:
        with sqlmodel.Session(self.engine) as session:
            return list(session.exec(sqlmodel.select(StoredFile)).all())

    def temp_files(self) -> list[Path]:
        return sorted(self.uploads.glob(f"{TEMP_PREFIX}*"))

    def spooling(self) -> bool:
        """Whether the backend holds an anonymous temporary file (Starlette's spool)."""
        assert self.process is not None
        temp_dir = os.path.realpath(tempfile.gettempdir())
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith(temp_dir) and target.endswith("(deleted)"):
                return True
        return False

    def maintenance_check(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "upload_demo.maintenance", "check"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    running = Backend(tmp_path)
    running.start()
    yield running
    running.stop()


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.0005)


def restart_and_check(backend: Backend, partial: list[Path]) -> None:
    """Restart after the crash: the clean-up removes the temp files, the check is clean."""
    # A crash is followed by a restart some seconds later; the clean-up leaves
    # temp files younger than its grace alone, so do not restart faster than that.
    for path in partial:
        age = time.time() - path.stat().st_mtime
        time.sleep(max(0.0, TEMP_GRACE_S + 0.1 - age))
    backend.start()
    assert backend.temp_files() == []
    for path in partial:
        assert f"removed a crashed upload's temp file {path}" in backend.log()
    assert backend.rows() == []
    check = backend.maintenance_check()
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Clean" in check.stdout


def test_killed_while_the_body_arrives(backend: Backend) -> None:
    """Half a request sent, then the server dies: nothing stored, nothing recorded."""
    body, content_type = client.multipart_body(
        [(f"slow-{uuid.uuid4().hex[:8]}.pdf", samples.pdf_bytes("slow") + os.urandom(8_000_000))]
    )
    url = httpx.URL(backend.url)
    sock = socket.create_connection((url.host, url.port))
    head = (
        "POST /_upload HTTP/1.1\r\n"
        f"Host: {url.host}\r\n"
        f"Reflex-Client-Token: {uuid.uuid4()}\r\n"
        f"Reflex-Event-Handler: {client.handler_name(OneStepState.handle_upload)}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[: len(body) // 2])
    try:
        # The kill lands while Starlette spools the half it has and waits for the rest.
        wait_for(backend.spooling, 30, "the backend to spool the upload")
        backend.kill()
    finally:
        sock.close()

    assert backend.rows() == []
    assert [p for p in backend.uploads.iterdir() if not p.name.startswith(TEMP_PREFIX)] == []
    restart_and_check(backend, backend.temp_files())


def test_killed_while_the_file_is_copied_in(backend: Backend) -> None:
    """The whole request arrived; the kill lands while the handler writes the temp file."""
    data = samples.pdf_bytes("copied") + os.urandom(9_900_000)
    name = f"copied-{uuid.uuid4().hex[:8]}.pdf"
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(
                client.post_upload(backend.url, OneStepState.handle_upload, [(name, data)])
            )
        except httpx.TransportError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=post)
    sender.start()
    try:
        wait_for(lambda: backend.temp_files() or outcome, 60, "a temp file in the upload dir")
        assert not outcome, f"the upload finished before a temp file was seen: {outcome}"
        backend.kill()
    finally:
        sender.join(timeout=30)

    partial = backend.temp_files()
    assert partial, "the kill should have left the temp file being written"
    assert backend.rows() == []
    assert [p for p in backend.uploads.iterdir() if not p.name.startswith(TEMP_PREFIX)] == []
    restart_and_check(backend, partial)
