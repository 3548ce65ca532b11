"""The upload guard (413 before the bytes are spooled) and hostile file names.

The guard tests talk to the running app over a raw socket, so they can send a
body slowly, watch for an answer after every piece, and prove the 413 came
while the client still had most of its bytes to send. They also watch the open
files of the processes serving the app (``server_pids``: this one, where the test
app's backend runs in a thread, or both workers on two), so Starlette's spool
files (anonymous temporary files) show up in their /proc/PID/fd.

The name tests send Content-Disposition headers byte for byte (the traversal
list Django tests its uploads with, plus ``filename*=`` tricks) and check that
nothing lands outside the upload dir and no client name becomes a stored name.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests import client, samples
from tests.backend.uploads import (
    STORED_NAME,
    is_safe_to_show,
    listing,
    row_count,
    rows_by_stored_name,
)
from tests.backend_process import Spool, spool_files
from tests.db import rows_named, tag
from upload_demo import guard, policy
from upload_demo.pages.images import ImagesState
from upload_demo.pages.one_step import OneStepState
from upload_demo.pages.restricted import RestrictedState
from upload_demo.units import human_bytes

PIECE = 256 * 1024


# --- a client that listens while it sends -------------------------------------


def server_spools(pids: list[int]) -> set[tuple[int, Spool]]:
    """Starlette's spool files held by the serving processes, each with its holder's pid."""
    return {(pid, spool) for pid in pids for spool in spool_files(pid)}


def file_part_head(name: str, boundary: str) -> bytes:
    return (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()


class SlowUpload:
    """One upload request sent piece by piece over a raw socket.

    After each piece it checks, without waiting, whether the server has
    answered; it stops sending as soon as it has.
    """

    def __init__(
        self,
        backend_url: str,
        handler: Any,
        *,
        declared: int | None,
        attempt: int | None = None,
    ) -> None:
        url = urlsplit(backend_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        self.boundary = uuid.uuid4().hex
        self.declared = declared
        self.sent = 0
        self.answer = b""
        lines = [
            "POST /_upload HTTP/1.1",
            f"Host: {url.netloc}",
            f"Reflex-Client-Token: {uuid.uuid4()}",
            f"Reflex-Event-Handler: {client.handler_name(handler)}",
            f"Content-Type: multipart/form-data; boundary={self.boundary}",
        ]
        if attempt is not None:
            lines.append(f"Upload-Attempt: {attempt}")
        if declared is None:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {declared}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def body(self) -> Iterator[bytes]:
        """A file part that never ends: a PNG name, then zeros."""
        yield file_part_head(f"huge-{tag()}.png", self.boundary)
        while True:
            yield bytes(PIECE)

    def send_until_answered(self, give_up_after: int, on_piece: Any = None) -> None:
        """Send until the server answers (or ``give_up_after`` bytes went out)."""
        for piece in self.body():
            if self.declared is not None:
                piece = piece[: self.declared - self.sent]
                if not piece:
                    break
            wire = piece if self.declared is not None else b"%x\r\n%s\r\n" % (len(piece), piece)
            try:
                self.sock.sendall(wire)
            except (BrokenPipeError, ConnectionResetError):
                break
            self.sent += len(piece)
            if on_piece is not None:
                on_piece(self.sent)
            if self._answered() or self.sent >= give_up_after:
                break
        self._read_rest()

    def _answered(self) -> bool:
        self.sock.setblocking(False)
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.setblocking(True)
        self.answer += data
        return True

    def _complete(self) -> bool:
        head, sep, body = self.answer.partition(b"\r\n\r\n")
        if not sep:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value)
        return False

    def _read_rest(self) -> None:
        """Read the answer to its end (the server may keep the connection open)."""
        self.sock.settimeout(10)
        try:
            while not self._complete() and (chunk := self.sock.recv(65536)):
                self.answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        finally:
            self.sock.close()

    @property
    def status(self) -> int:
        return int(self.answer.split(b" ", 2)[1])

    @property
    def text(self) -> str:
        return self.answer.split(b"\r\n\r\n", 1)[1].decode()

    @property
    def detail(self) -> str:
        return json.loads(self.text)["detail"]


def wait_for_no_spool(pids: list[int], before: set[tuple[int, Spool]]) -> set[tuple[int, Spool]]:
    """Spool files opened since ``before`` and still open after a short wait."""
    deadline = time.monotonic() + 5
    while (left := server_spools(pids) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# --- the guard ---------------------------------------------------------------------


def test_declared_length_over_total_is_refused_before_the_body(
    backend_url: str, upload_dir: Path, server_pids: list[int]
) -> None:
    page = OneStepState.policy
    declared = 4 * page.max_total_size  # 200 MB announced
    before, rows_before, spools_before = (
        listing(upload_dir),
        row_count(),
        server_spools(server_pids),
    )
    spools_seen: set[tuple[int, Spool]] = set()

    upload = SlowUpload(backend_url, OneStepState.handle_upload, declared=declared)
    upload.send_until_answered(
        give_up_after=declared, on_piece=lambda _: spools_seen.update(server_spools(server_pids))
    )

    assert upload.status == 413, upload.answer[:300]
    assert upload.detail == (
        f"the upload is {human_bytes(declared)}, more than this page's "
        f"{human_bytes(page.max_total_size)} total; nothing was stored"
    )
    assert (
        upload.detail
        == "the upload is 200 MB, more than this page's 50 MB total; nothing was stored"
    )
    # Answered from the headers: far less than the total was ever sent.
    assert upload.sent < page.max_total_size, upload.sent
    # The app never saw the request, so nothing was spooled at all.
    assert spools_seen <= spools_before
    assert listing(upload_dir) == before
    assert row_count() == rows_before


def test_undeclared_length_is_counted_and_cut_off(
    backend_url: str, upload_dir: Path, server_pids: list[int]
) -> None:
    page = OneStepState.policy
    limit = guard.request_limit(page)
    before, rows_before, spools_before = (
        listing(upload_dir),
        row_count(),
        server_spools(server_pids),
    )
    spools_seen: set[tuple[int, Spool]] = set()

    upload = SlowUpload(backend_url, OneStepState.handle_upload, declared=None)
    upload.send_until_answered(
        give_up_after=4 * limit, on_piece=lambda _: spools_seen.update(server_spools(server_pids))
    )

    assert upload.status == 413, upload.answer[:300]
    assert upload.detail == (
        "the upload grew past this page's 50 MB total and was stopped; nothing was stored"
    )
    # Stopped near the limit (socket buffers hold a few MB), long before 4x the limit.
    assert limit < upload.sent < limit + 20_000_000, upload.sent
    # Starlette had spooled the part to a temporary file, and closed it when cut off.
    assert spools_seen - spools_before, "the request should have been spooled while it streamed"
    assert wait_for_no_spool(server_pids, spools_before) == set()
    assert listing(upload_dir) == before
    assert row_count() == rows_before


def test_unknown_handler_passes_through(backend_url: str, upload_dir: Path) -> None:
    """No policy for the handler: the guard steps aside and Reflex answers, as before."""
    fake = client.handler_name(ImagesState.handle_upload).replace("handle_upload", "no_such")
    before = listing(upload_dir)
    upload = SlowUpload(backend_url, fake, declared=4 * policy.IMAGES.max_total_size)
    upload.send_until_answered(give_up_after=4 * PIECE)
    assert upload.status == 400
    assert "Unknown upload event handler" in upload.text
    assert listing(upload_dir) == before


def _pdf(size: int, seed: str) -> bytes:
    data = samples.pdf_bytes(seed)
    return data + os.urandom(size - len(data))


def _body_of_length(files: list[tuple[str, bytes]], length: int) -> tuple[bytes, str]:
    """A multipart body of exactly ``length`` bytes: the files, then a padding field."""
    file_parts = [
        (f'form-data; name="files"; filename="{name}"'.encode(), data) for name, data in files
    ]
    bare, _ = client.multipart_parts([*file_parts, (b'form-data; name="pad"', b"")])
    pad = length - len(bare)
    assert pad >= 0
    body, content_type = client.multipart_parts(
        [*file_parts, (b'form-data; name="pad"', b"p" * pad)]
    )
    assert len(body) == length
    return body, content_type


def test_at_the_limit_passes_one_byte_more_is_refused(backend_url: str, upload_dir: Path) -> None:
    page = RestrictedState.policy
    t = tag()
    # Five files of exactly the per-file size: the page's whole total.
    files = [(f"full-{i}-{t}.pdf", _pdf(page.max_file_size, f"{t} {i}")) for i in range(5)]
    assert sum(len(d) for _, d in files) == page.max_total_size
    limit = guard.request_limit(page)
    before = listing(upload_dir)

    body, content_type = _body_of_length(files, limit + 1)
    over = client.post_multipart(backend_url, RestrictedState.handle_upload, body, content_type)
    assert over.status_code == 413
    assert over.json()["detail"].startswith("the upload is 25.1 MB, more than this page's 25 MB")
    assert listing(upload_dir) == before
    assert rows_named(*(name for name, _ in files)) == []

    body, content_type = _body_of_length(files, limit)
    at = client.post_multipart(backend_url, RestrictedState.handle_upload, body, content_type)
    assert at.status_code == 200, at.text[:300]
    outcomes = client.outcomes(at, RestrictedState)
    assert [o["stored"] for o in outcomes] == [True] * 5, outcomes
    assert listing(upload_dir) - before == {o["stored_name"] for o in outcomes}


def test_small_upload_with_attempt_header_is_stored(backend_url: str, upload_dir: Path) -> None:
    """The page's Upload-Attempt header and bound argument are harmless to the server."""
    t = tag()
    png = samples.image_bytes("PNG", seed=9300)
    headers = {
        "Reflex-Client-Token": str(uuid.uuid4()),
        "Reflex-Event-Handler": client.handler_name(ImagesState.handle_upload),
        "Upload-Attempt": "7",
    }
    response = httpx.post(
        f"{backend_url}/_upload",
        headers=headers,
        data={"__reflex_event_args": json.dumps({"attempt": 7})},
        files=[("files", (f"small-{t}.png", png, "image/png"))],
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]
    outcomes = client.outcomes(response, ImagesState)
    assert outcomes[0]["stored"], outcomes
    assert (upload_dir / outcomes[0]["stored_name"]).read_bytes() == png


# --- hostile names -----------------------------------------------------------------

# Django's dangerous names (tests/file_uploads), plus the dot-only and control cases.
TRAVERSAL_NAMES = [
    "../../x",
    "..\\..\\x",
    "../..\\x",
    "/tmp/x",
    "/tmp\\x",
    "\\tmp\\x",
    "C:\\x",
    "C:/Windows/x",
    "subdir/x",
    "sub/dir\\x",
    "..",
    "./../.",
    ".../...",
    "..&#x2F;x",
    "..&sol;x",
    "..%2F..%2Fx",
    "../\x00/x",
    "x\x00../../y",
    "\x1b[31mred\x1b[0m",
    "tab\there",
    "n" * 300,
    "../" * 100 + "deep",
]


#: What the names above would create if one were ever used as a path.
TARGETS = ("x", "y", "deep", "red", "subdir", "sub", "Windows", "tmp")


def outside_dirs(upload_dir: Path) -> list[Path]:
    return [upload_dir.parent, upload_dir.parent.parent, Path("/tmp"), Path("/"), Path.cwd()]


def existing_targets(upload_dir: Path) -> set[Path]:
    return {d / t for d in outside_dirs(upload_dir) for t in TARGETS if (d / t).exists()}


@pytest.mark.parametrize("raw_name", TRAVERSAL_NAMES, ids=range(len(TRAVERSAL_NAMES)))
def test_traversal_name_stays_in_the_upload_dir(
    backend_url: str, upload_dir: Path, raw_name: str
) -> None:
    data = samples.image_bytes("PNG", seed=9000 + TRAVERSAL_NAMES.index(raw_name))
    targets_before = existing_targets(upload_dir)
    before = listing(upload_dir)

    response = client.post_raw_upload(backend_url, ImagesState.handle_upload, [(raw_name, data)])

    assert response.status_code == 200, response.text[:300]
    [outcome] = client.outcomes(response, ImagesState)
    assert outcome["stored"], outcome
    stored = outcome["stored_name"]
    assert STORED_NAME.match(stored), stored
    assert listing(upload_dir) - before == {stored}
    assert (upload_dir / stored).read_bytes() == data
    assert is_safe_to_show(outcome["name"]), repr(outcome["name"])
    assert rows_by_stored_name(stored)[stored].original_name == outcome["name"]
    assert existing_targets(upload_dir) == targets_before
    assert not any((upload_dir / n).is_dir() for n in listing(upload_dir))


def _disposition_case(params: bytes, seed: int) -> tuple[bytes, str, bytes]:
    data = samples.image_bytes("PNG", seed=seed)
    body, content_type = client.multipart_parts([(b'form-data; name="files"; ' + params, data)])
    return body, content_type, data


PARAMETER_TRICKS = [
    # RFC 7578 forbids the extended syntax in form data: the plain name rules.
    (b"filename=\"plain.png\"; filename*=UTF-8''..%2F..%2Fx", "plain.png"),
    (b"filename*=UTF-8''..%2F..%2Fx; filename=\"after.png\"", "after.png"),
    (b'filename="cont.png"; filename*0="../"; filename*1="../x"', "cont.png"),
    # A repeated parameter: the last one is the name, and it is only a name.
    (b'filename="first.png"; filename="../../second.png"', "second.png"),
    (b"filename=../../unquoted.png", "unquoted.png"),
    (b'filename="quote\\"d.png"', 'quote"d.png'),
]


@pytest.mark.parametrize(
    "case",
    range(len(PARAMETER_TRICKS)),
    ids=["star-after", "star-before", "star-continuation", "repeated", "unquoted", "quote"],
)
def test_filename_parameter_tricks(backend_url: str, upload_dir: Path, case: int) -> None:
    params, shown = PARAMETER_TRICKS[case]
    body, content_type, data = _disposition_case(params, seed=9100 + case)
    before = listing(upload_dir)
    response = client.post_multipart(backend_url, ImagesState.handle_upload, body, content_type)
    assert response.status_code == 200, response.text[:300]
    [outcome] = client.outcomes(response, ImagesState)
    assert outcome["name"] == shown
    assert STORED_NAME.match(outcome["stored_name"])
    assert listing(upload_dir) - before == {outcome["stored_name"]}
    assert (upload_dir / outcome["stored_name"]).read_bytes() == data


def test_extended_filename_alone_is_not_a_file(backend_url: str, upload_dir: Path) -> None:
    """``filename*=`` only: the part is a plain field, so no file is stored anywhere.

    Reflex answers 500 here (its handler finds a text field where files were
    expected) before our handler runs; what matters is that nothing was created.
    """
    body, content_type, _ = _disposition_case(b"filename*=UTF-8''..%2F..%2Fx", seed=9200)
    before, rows_before = listing(upload_dir), row_count()
    targets_before = existing_targets(upload_dir)
    response = client.post_multipart(backend_url, ImagesState.handle_upload, body, content_type)
    assert response.status_code >= 400
    assert listing(upload_dir) == before
    assert row_count() == rows_before
    assert existing_targets(upload_dir) == targets_before
