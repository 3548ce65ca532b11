"""The upload handler stores files in its own thread pool, never asyncio's default one.

The real handler runs on a real page State, as Reflex would call it, with
files the page's policy refuses: everything happens but nothing is stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import threading
from pathlib import Path
from typing import TypeVar

import reflex as rx

from tests import samples
from tests.loops import run
from upload_demo import ingest_pool
from upload_demo.pages.one_step import OneStepState
from upload_demo.reflex_internals import new_state

T = TypeVar("T")


class WatchedStream(io.BytesIO):
    """A spooled upload that notes which thread reads it, and can hold that thread."""

    def __init__(self, data: bytes, release: threading.Event | None = None) -> None:
        super().__init__(data)
        self.release = release
        self.readers: set[str] = set()
        self.reading = threading.Event()

    def read(self, size: int | None = -1) -> bytes:
        self.readers.add(threading.current_thread().name)
        self.reading.set()
        if self.release is not None:
            assert self.release.wait(60), "never released"
        return super().read(size)


def refused_upload(stream: WatchedStream) -> rx.UploadFile:
    """A file the one-step page refuses (HTML), so the handler stores nothing."""
    return rx.UploadFile(file=stream, path=Path("page.html"), size=None)


async def handle(files: list[rx.UploadFile]) -> OneStepState:
    state = new_state(OneStepState)
    await OneStepState.handle_upload.fn(state, files, 1)
    return state


def test_the_handler_ingests_in_the_ingest_pool() -> None:
    stream = WatchedStream(samples.html_bytes("pool"))
    state = run(handle([refused_upload(stream)]))
    assert [o.stored for o in state.outcomes] == [False]
    assert state.outcomes[0].message.startswith("the content is HTML")
    (reader,) = stream.readers
    assert reader.startswith("ingest_"), reader


def test_blocked_uploads_leave_the_default_pool_free() -> None:
    """More uploads stuck than the default pool has threads: a page query still runs."""
    release = threading.Event()
    streams = [
        WatchedStream(samples.html_bytes(f"stuck {i}"), release)
        for i in range(ingest_pool.INGEST_THREADS + 8)
    ]

    async def scenario() -> str:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=4))
        uploads = [asyncio.create_task(handle([refused_upload(s)])) for s in streams]
        try:
            # Every ingest thread is held by an upload (the others wait their turn).
            deadline = loop.time() + 30
            while sum(s.reading.is_set() for s in streams) < ingest_pool.INGEST_THREADS:
                assert loop.time() < deadline, "the uploads never started"
                await asyncio.sleep(0.01)
            # A page's query (records via asyncio.to_thread) gets a thread at once.
            answer = await asyncio.wait_for(
                asyncio.to_thread(lambda: threading.current_thread().name), timeout=10
            )
        finally:
            release.set()
        states = await asyncio.gather(*uploads)
        messages = [o.message for state in states for o in state.outcomes]
        assert len(messages) == len(streams)
        assert all(m.startswith("the content is HTML") for m in messages), messages
        return answer

    assert run(scenario()).startswith("ThreadPoolExecutor")
    readers = set().union(*(s.readers for s in streams))
    assert readers and all(name.startswith("ingest_") for name in readers), readers
