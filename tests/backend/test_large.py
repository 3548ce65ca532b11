"""/large through the real endpoint: hundreds of MiB streamed in flat memory.

The session's backend runs inside the pytest process (AppHarness), so this
process's resident memory is the backend's: a thread samples it while a
300 MiB file, generated piece by piece and never held whole, streams through
``LargeState.handle_chunks``. A buffered handler would spool it to a temp file,
but a handler that gathered the chunks in memory would grow by the whole file.
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import reflex as rx
import sqlmodel

from tests import client
from tests.backend.uploads import wait_for_row, wait_no_temp_files
from tests.db import tag
from upload_demo.models import StoredFile
from upload_demo.pages.large import LargeState

MiB = 1024 * 1024
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def pdf_pieces(size: int, seed: int, digest: hashlib._Hash | None = None) -> Iterator[bytes]:
    """``size`` bytes of a PDF-headed file in 1 MiB pieces, hashed into ``digest`` as sent."""
    rng = random.Random(seed)
    sent = 0
    while sent < size:
        piece = rng.randbytes(min(MiB, size - sent))
        if sent == 0:
            piece = PDF_HEAD + piece[len(PDF_HEAD) :]
        if digest is not None:
            digest.update(piece)
        sent += len(piece)
        yield piece


class PeakRss:
    """The serving processes' peak resident memory above where it started, sampled in a thread.

    Summed over ``pids``: this process for the in-process app, both workers on two.
    """

    def __init__(self, pids: list[int], interval: float = 0.02) -> None:
        self._processes = [psutil.Process(pid) for pid in pids]
        self._interval = interval
        self._stop = threading.Event()
        self.start = self._rss()
        self.peak = self.start
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> int:
        return sum(p.memory_info().rss for p in self._processes)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MiB):
            digest.update(chunk)
    return digest.hexdigest()


def test_300_mib_streams_to_disk_in_flat_memory(
    backend_url: str, upload_dir: Path, server_pids: list[int]
) -> None:
    size = 300 * MiB
    name = f"{tag()}-big.pdf"
    digest = hashlib.sha256()
    with PeakRss(server_pids) as rss:
        response = client.post_streamed(
            backend_url, LargeState.handle_chunks, [(name, pdf_pieces(size, 1, digest))]
        )
        assert response.status_code == 202, response.text[:500]
        row = wait_for_row(digest.hexdigest())
    assert row.original_name == name
    assert row.size == size
    assert row.source_page == "large"
    assert row.content_type == "application/pdf"
    stored = upload_dir / row.stored_name
    assert stored.stat().st_size == size
    assert sha256_of(stored) == digest.hexdigest()
    wait_no_temp_files(upload_dir)
    assert rss.growth < 64 * MiB, f"RSS grew by {rss.growth / MiB:.0f} MiB"


def raw_head(backend_url: str, content_type: str) -> bytes:
    """A request head for the streaming handler; ``{length}`` is filled in when sent."""
    return (
        "POST /_upload HTTP/1.1\r\n"
        f"Host: {httpx.URL(backend_url).host}\r\n"
        f"Reflex-Client-Token: {uuid.uuid4()}\r\n"
        f"Reflex-Event-Handler: {client.handler_name(LargeState.handle_chunks)}\r\n"
        f"Content-Type: {content_type}\r\n"
        "Content-Length: {length}\r\n\r\n"
    ).encode()


def first_response_line(backend_url: str, head: bytes, sent_body: bytes, declared: int) -> bytes:
    """Send the start of a body declared ``declared`` bytes long, then only listen.

    A server that needs the rest of the body before it answers never answers
    here (the read times out); one that stops at a refusal answers at once.
    """
    url = httpx.URL(backend_url)
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        sock.sendall(head.replace(b"{length}", str(declared).encode()) + sent_body)
        return sock.makefile("rb").readline()


def test_active_content_is_stopped_at_its_first_bytes(backend_url: str, upload_dir: Path) -> None:
    """A refusal by type ends the request after 4 MiB of a declared 200 MiB."""
    before = set(os.listdir(upload_dir))
    name = f"{tag()}-page.bin"
    body, content_type = client.streamed_multipart([(name, [])])
    opening = next(body)
    head = raw_head(backend_url, content_type)
    start = opening + b"<!DOCTYPE html><p>" + random.Random(2).randbytes(4 * MiB)
    line = first_response_line(backend_url, head, start, 200 * MiB)
    assert line.startswith(b"HTTP/1.1 400"), line
    wait_no_temp_files(upload_dir)
    assert set(os.listdir(upload_dir)) == before
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.original_name == name)
        assert session.exec(query).first() is None


def test_good_files_before_a_refused_one_are_kept(backend_url: str, upload_dir: Path) -> None:
    """The fourth file of a three-file page stops the upload; the first three stay."""
    names = [f"{tag()}-{i}.pdf" for i in range(4)]
    digests = [hashlib.sha256() for _ in names]
    files = [
        (name, pdf_pieces(2 * MiB + i, 10 + i, d))
        for i, (name, d) in enumerate(zip(names, digests, strict=True))
    ]
    response = client.post_streamed(backend_url, LargeState.handle_chunks, files)
    assert response.status_code in (202, 400), response.status_code
    for d in digests[:3]:
        row = wait_for_row(d.hexdigest())
        assert sha256_of(upload_dir / row.stored_name) == d.hexdigest()
    time.sleep(0.5)
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.original_name == names[3])
        assert session.exec(query).first() is None
    wait_no_temp_files(upload_dir)


def test_the_guard_answers_413_for_a_body_over_the_total(backend_url: str) -> None:
    """The upload guard knows the streaming handler: its total is enforced at the door."""
    body, content_type = client.streamed_multipart([("huge.pdf", [])])
    head = raw_head(backend_url, content_type)
    line = first_response_line(backend_url, head, next(body), 17 * 1000**3)
    assert line.startswith(b"HTTP/1.1 413"), line
