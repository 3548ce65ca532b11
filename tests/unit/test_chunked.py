"""chunked.receive with Reflex's own UploadChunk objects: limits apply mid-stream.

The chunks come from an async generator that counts what was taken, so a
test can tell a refusal that stopped the stream from one that read it all.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import reflex as rx

from tests.db import rows_named
from tests.loops import run
from upload_demo import chunked, filetypes
from upload_demo.policy import UploadPolicy
from upload_demo.stores import LocalStore

KB = 1000
PIECE = 10 * KB

SMALL = UploadPolicy(
    page="unit-chunked",
    types=(filetypes.PDF,),
    max_files=3,
    max_file_size=3_000 * KB,
    max_total_size=5_000 * KB,
)


@pytest.fixture(scope="module")
def pool() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


class Stream:
    """Files as Reflex delivers them: per file, chunks in order from offset 0."""

    def __init__(self, files: list[tuple[str, bytes]]) -> None:
        self.files = files
        self.taken = 0

    async def chunks(self) -> AsyncIterator[rx.UploadChunk]:
        for name, data in self.files:
            for offset in range(0, max(len(data), 1), PIECE):
                piece = data[offset : offset + PIECE]
                self.taken += len(piece)
                yield rx.UploadChunk(
                    filename=name, offset=offset, content_type="application/pdf", data=piece
                )


def receive(stream: Stream, directory: Path, pool: concurrent.futures.Executor) -> list:
    return run(chunked.receive(stream.chunks(), SMALL, LocalStore(directory), pool))


def names(count: int) -> list[str]:
    marker = uuid.uuid4().hex[:10]
    return [f"{marker}-{i}.pdf" for i in range(count)]


def test_files_are_stored_whole_with_their_hash(tmp_path: Path, pool) -> None:
    first, second = names(2)
    files = [(first, pdf(1_234_567)), (second, pdf(PIECE * 3))]
    outcomes = receive(Stream(files), tmp_path, pool)
    assert [o.stored for o in outcomes] == [True, True], outcomes
    for outcome, (name, data) in zip(outcomes, files, strict=True):
        (row,) = rows_named(name)
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert (tmp_path / outcome.stored_name).read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == sorted(o.stored_name for o in outcomes)


def test_a_file_over_the_limit_is_stopped_as_it_passes_it(tmp_path: Path, pool) -> None:
    (name,) = names(1)
    stream = Stream([(name, pdf(20_000 * KB))])
    (outcome,) = receive(stream, tmp_path, pool)
    assert not outcome.stored
    assert "too large" in outcome.message and chunked.STOPPED in outcome.message
    assert stream.taken <= SMALL.max_file_size + PIECE
    assert os.listdir(tmp_path) == []
    assert rows_named(name) == []


def test_the_file_that_breaks_the_total_is_stopped_the_first_kept(tmp_path: Path, pool) -> None:
    first, second, third = names(3)
    stream = Stream([(first, pdf(2_900 * KB)), (second, pdf(2_900 * KB)), (third, pdf(KB))])
    outcomes = receive(stream, tmp_path, pool)
    assert [o.stored for o in outcomes] == [True, False]
    assert "total" in outcomes[1].message
    assert stream.taken <= SMALL.max_total_size + PIECE
    assert os.listdir(tmp_path) == [outcomes[0].stored_name]
    assert len(rows_named(first)) == 1 and rows_named(second, third) == []


def test_wrong_type_and_empty_files(tmp_path: Path, pool) -> None:
    junk, empty = names(2)
    stream = Stream([(empty, b""), (junk, b"\0junk" + os.urandom(1_000 * KB))])
    outcomes = receive(stream, tmp_path, pool)
    assert [o.message.split(";")[0] for o in outcomes] == [
        "the file is empty",
        "unrecognised content, expected PDF",
    ]
    assert stream.taken < 2 * filetypes.HEAD_SIZE + PIECE
    assert os.listdir(tmp_path) == []


def test_a_cancelled_upload_leaves_nothing(tmp_path: Path, pool) -> None:
    (name,) = names(1)

    async def cancel_midway() -> None:
        started = asyncio.Event()

        async def chunks() -> AsyncIterator[rx.UploadChunk]:
            # Past the head, so the temp file has been started.
            data = pdf(filetypes.HEAD_SIZE + 5 * PIECE)
            for offset in range(0, len(data), PIECE):
                yield rx.UploadChunk(
                    filename=name, offset=offset, content_type="", data=data[offset:][:PIECE]
                )
            started.set()
            await asyncio.Event().wait()  # the client stalls, then goes away

        task = asyncio.create_task(chunked.receive(chunks(), SMALL, LocalStore(tmp_path), pool))
        await started.wait()
        assert any(n.startswith(".partial-") for n in os.listdir(tmp_path))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_midway())
    pool.submit(lambda: None).result()
    assert os.listdir(tmp_path) == []
    assert rows_named(name) == []


def test_a_cancel_seen_before_keeping_a_file_keeps_nothing_more(
    tmp_path: Path, pool: concurrent.futures.ThreadPoolExecutor
) -> None:
    """The page's Cancel came too late to abort: files kept before it stay, no other does."""
    first, second, third = names(3)
    stream = Stream([(first, pdf(50 * KB)), (second, pdf(50 * KB)), (third, pdf(50 * KB))])
    answers: list[bool] = []

    async def still_wanted() -> bool:
        # The Cancel arrives the moment the first file is recorded.
        answers.append(not rows_named(first))
        return answers[-1]

    outcomes = run(
        chunked.receive(stream.chunks(), SMALL, LocalStore(tmp_path), pool, still_wanted)
    )
    assert [o.name for o in outcomes] == [first] and outcomes[0].stored
    assert answers[0] and answers[-1] is False, "asked before each file is kept"
    assert [row.original_name for row in rows_named(first, second, third)] == [first]
    assert sorted(p.name for p in tmp_path.iterdir()) == [outcomes[0].stored_name]
    assert stream.taken < 150 * KB, "the third file was not read"
