"""A worker's start-up clean-up never removes another worker's upload in progress.

Every worker removes, as it starts, the temp files that no live process holds
(``remove_crash_leftovers``). Worker A has an upload to /large under way, stalled
mid-file so its temp file has not changed for longer than the clean-up's grace;
worker B (re)starts meanwhile. A's lock on the temp file must spare it, and the
upload must then end stored. The same start of B right after A died (SIGKILL) does
remove A's temp file, so the clean-up is shown to run and to judge by the lock,
not by leaving every temp file alone.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import client
from tests.backend.uploads import temp_files, wait_for_row
from tests.db import tag
from tests.workers import Pair, Worker, start_pair
from upload_demo.consistency import TEMP_GRACE_S
from upload_demo.pages.large import LargeState

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

MiB = 1024 * 1024
PDF_HEAD = b"%PDF-1.7\n"
REMOVED = "removed a crashed upload's temp file"


class StalledUpload:
    """An upload to /large that sends ``before`` bytes, then waits until ``resume()``."""

    def __init__(self, worker: Worker, before: int, after: int) -> None:
        self.name = f"{tag()}-stalled.pdf"
        head = PDF_HEAD + os.urandom(before - len(PDF_HEAD))
        tail = os.urandom(after)
        self.sha256 = hashlib.sha256(head + tail).hexdigest()
        self._gate = threading.Event()
        self.answer: list[httpx.Response | BaseException] = []

        def pieces() -> Iterator[bytes]:
            yield head
            self._gate.wait(60)
            yield tail

        def post() -> None:
            try:
                self.answer.append(
                    client.post_streamed(
                        worker.url, LargeState.handle_chunks, [(self.name, pieces())], timeout=60
                    )
                )
            except BaseException as error:
                self.answer.append(error)

        self._thread = threading.Thread(target=post, daemon=True)
        self._thread.start()

    def resume(self) -> None:
        self._gate.set()
        self._thread.join(60)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[list[Worker]]:
    """A and B of this test only (one of them is killed or restarted), in a mutable list."""
    started: Pair = start_pair(tmp_path)
    running = [started.a, started.b]
    try:
        yield running
    finally:
        for worker in running:
            worker.stop()


def stalled_temp_file(upload_dir: Path, before: set[str]) -> Path:
    """The new temp file, once it has been left unchanged for longer than the grace."""
    deadline = time.monotonic() + 30
    while not (new := set(temp_files(upload_dir)) - before):
        assert time.monotonic() < deadline, "no temp file appeared"
        time.sleep(0.02)
    (name,) = new
    path = upload_dir / name
    # The stalled sender writes nothing more: wait out the grace since its last write.
    time.sleep(max(0.0, TEMP_GRACE_S + 0.2 - (time.time() - path.stat().st_mtime)))
    assert time.time() - path.stat().st_mtime > TEMP_GRACE_S
    return path


def test_a_starting_worker_spares_the_other_workers_upload(
    pair: list[Worker], upload_dir: Path
) -> None:
    a, b = pair
    before = set(temp_files(upload_dir))
    upload = StalledUpload(a, before=3 * MiB, after=2 * MiB)
    partial = stalled_temp_file(upload_dir, before)

    pair[1] = b = b.restarted()

    assert partial.exists(), "B's start-up clean-up removed A's upload in progress"
    assert REMOVED not in b.log()
    upload.resume()
    (answer,) = upload.answer
    assert isinstance(answer, httpx.Response) and answer.status_code == 202, answer
    row = wait_for_row(upload.sha256)
    assert row.original_name == upload.name
    assert row.size == 5 * MiB
    assert not partial.exists()


def test_a_starting_worker_removes_what_a_dead_worker_left(
    pair: list[Worker], upload_dir: Path
) -> None:
    a, b = pair
    before = set(temp_files(upload_dir))
    upload = StalledUpload(a, before=3 * MiB, after=2 * MiB)
    partial = stalled_temp_file(upload_dir, before)

    a.kill()
    pair[1] = b = b.restarted()

    assert not partial.exists(), "B's start-up left a dead worker's temp file"
    assert f"{REMOVED} {partial}" in b.log()
    upload.resume()
