"""Store an upload that arrives as chunks (``rx.upload_files_chunk``) in flat memory.

Reflex parses the multipart body as it streams in and hands the handler each
file's bytes as chunks, in order, each file starting again at offset 0. Here
they are gathered into writes of WRITE_SIZE, written and hashed in the ingest
pool's threads with one write in flight while the next is gathered, so memory
stays at a few MiB whatever the size of the file.

The policy applies while the bytes come: the count at a file's first chunk,
the type once its first HEAD_SIZE bytes are in, the per-file size and the
upload's total at every chunk. A refusal mid-file stops the upload there: the
file's temp file is removed and the handler stops consuming chunks, so Reflex
answers 400 and reads no more of the body; files finished before it are kept.
A file whose last chunk is in goes the buffered pages' way (``ingest.keep``):
duplicates, media preview, atomic rename, record.

A cancelled upload (the client went away, so Reflex cancels the handler's
task) or a failed write leaves nothing: the temp file is removed either way,
and a file still being sent to a bucket is stopped, its multipart upload aborted.
A Cancel the browser could not turn into an abort (the body was all sent)
is caught before each file is kept, and while it is kept (publishing to a
bucket takes seconds): ``still_wanted`` says no, the file's temp file goes,
its multipart upload is aborted, and no later file is read.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar

from upload_demo import folders, ingest, storage, stores
from upload_demo.filetypes import HEAD_SIZE, FileType
from upload_demo.ingest import Outcome
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.stores import Store

logger = logging.getLogger(__name__)

#: Bytes gathered before one write: few thread hops per GiB, little memory.
WRITE_SIZE = storage.CHUNK_SIZE

STOPPED = "the upload was stopped here; files after it were not received"

#: How often the page is asked whether it still wants a file that is being kept.
WANTED_POLL_S = 0.2


class Cancelled(Exception):
    """The page cancelled the upload while its bytes were still being read."""


T = TypeVar("T")


class Chunk(Protocol):
    """What Reflex's ``rx.UploadChunk`` carries that we use (read-only: it is frozen)."""

    @property
    def filename(self) -> str:
        """The browser's name for the file, which Reflex makes a relative path (folders kept)."""
        ...

    @property
    def offset(self) -> int:
        """Where ``data`` starts in the file."""
        ...

    @property
    def data(self) -> bytes:
        """The chunk's bytes."""
        ...


class _File:
    """One file of the upload, from its first chunk to its Outcome."""

    def __init__(
        self,
        raw_name: str,
        index: int,
        total_before: int,
        policy: UploadPolicy,
        store: Store,
        pool: concurrent.futures.Executor,
        by: ingest.Uploader,
    ) -> None:
        self.raw_name = raw_name
        self.name = ingest.display_name(raw_name)
        self.folder = folders.folder_of(raw_name)
        self.index = index
        self.total_before = total_before
        self.policy = policy
        self.store = store
        self.pool = pool
        self.by = by
        #: Set when the upload ends early: a publish to a bucket still running stops.
        self.stop = threading.Event()
        self.received = 0
        self.head = bytearray()
        self.pending = bytearray()
        self.file_type: FileType | None = None
        self.sink: storage.Sink | None = None
        self.stack = contextlib.ExitStack()
        #: The last job handed to the pool (a write, or keeping the file).
        self.busy: concurrent.futures.Future[Any] | None = None

    def _submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        self.busy = self.pool.submit(contextvars.copy_context().run, fn, *args)
        return self.busy

    async def _wait(self) -> None:
        """Let the job in flight finish; its error, if any, is raised here."""
        if self.busy is not None:
            busy, self.busy = self.busy, None
            await asyncio.wrap_future(busy)

    def is_next(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` starts the next file (each file's offsets start at 0)."""
        if chunk.offset == 0 and (self.received > 0 or chunk.filename != self.raw_name):
            return True
        if chunk.offset != self.received:
            raise RuntimeError(f"chunk at offset {chunk.offset}, expected {self.received}")
        return False

    async def add(self, data: bytes) -> None:
        """Take one chunk; Rejected as soon as a limit is broken."""
        self.received += len(data)
        if self.received > self.policy.max_file_size:
            raise self.policy.too_large()
        if self.total_before + self.received > self.policy.max_total_size:
            raise self.policy.over_total()
        if self.sink is None:
            self.head += data
            if len(self.head) < HEAD_SIZE:
                return
            await self._open()
        else:
            self.pending += data
        if len(self.pending) >= WRITE_SIZE:
            await self._write()

    async def _open(self) -> None:
        """Judge the type by the head (in the pool: libmagic takes ms), then start the file."""
        head = bytes(self.head[:HEAD_SIZE])
        file_type = await asyncio.wrap_future(self._submit(self.policy.check_type, head))
        self.busy = None
        self.file_type = file_type
        target = storage.staging(self.store.staging_dir, storage.new_name(file_type.extension))
        staged = await asyncio.wrap_future(self._submit(lambda: self.stack.enter_context(target)))
        self.busy = None
        self.sink = storage.Sink(staged, self.policy.max_file_size)
        self.pending, self.head = self.head, bytearray()

    async def _write(self) -> None:
        await self._wait()
        assert self.sink is not None
        data, self.pending = bytes(self.pending), bytearray()
        self._submit(self.sink.write, data)

    async def finish(self) -> Outcome:
        """All of the file is in: store it as the buffered pages do."""
        if self.sink is None:
            await self._open()
        await self._write()
        await self._wait()
        outcome = await asyncio.wrap_future(self._submit(self._keep))
        self.busy = None
        return outcome

    def _keep(self) -> Outcome:
        assert self.sink is not None and self.file_type is not None
        received = self.sink.finish()
        return ingest.keep(
            self.name,
            received,
            self.file_type,
            self.policy,
            self.store,
            self.stop,
            self.by,
            folder=self.folder,
        )

    def _close(self, busy: concurrent.futures.Future[Any] | None) -> None:
        if busy is not None:
            concurrent.futures.wait([busy])
        self.stack.close()

    async def close(self) -> None:
        """Remove the temp file unless kept, after the job in flight; runs on if cancelled."""
        self.stop.set()
        done = self.pool.submit(self._close, self.busy)
        await asyncio.shield(asyncio.wrap_future(done))


async def _always_wanted() -> bool:
    return True


async def _stop_when_unwanted(file: _File, still_wanted: Callable[[], Awaitable[bool]]) -> None:
    """Set the file's stop flag once the page cancels; keeping a file may take seconds."""
    while not file.stop.is_set():
        await asyncio.sleep(WANTED_POLL_S)
        if not await still_wanted():
            file.stop.set()


async def _finish(file: _File, still_wanted: Callable[[], Awaitable[bool]]) -> Outcome:
    watcher: asyncio.Task[None] | None = None
    try:
        if not await still_wanted():
            raise Cancelled
        # Publishing to a bucket takes seconds per GiB: a Cancel then still stops it.
        watcher = asyncio.create_task(_stop_when_unwanted(file, still_wanted))
        return await file.finish()
    except (Cancelled, stores.Cancelled):
        raise Cancelled from None
    except Rejected as exc:
        return Outcome(name=file.name, stored=False, message=str(exc))
    except Exception:
        logger.exception("storing %r failed", file.name)
        return ingest.server_error(file.name)
    finally:
        if watcher is not None:
            watcher.cancel()
        await file.close()


async def receive(
    chunks: AsyncIterator[Chunk],
    policy: UploadPolicy,
    store: Store,
    pool: concurrent.futures.Executor,
    still_wanted: Callable[[], Awaitable[bool]] | None = None,
    by: ingest.Uploader = ingest.NOBODY,
) -> list[Outcome]:
    """Check, store and record each file of a chunked upload; one Outcome per file.

    ``still_wanted`` is asked before each file is kept; once it says no, the
    upload ends there with the files kept so far. Without it, every file is wanted.
    """
    wanted = still_wanted or _always_wanted
    outcomes: list[Outcome] = []
    total = 0
    current: _File | None = None
    try:
        async for chunk in chunks:
            if current is not None and current.is_next(chunk):
                outcomes.append(await _finish(current, wanted))
                total += outcomes[-1].size
                current = None
            if current is None:
                current = _File(chunk.filename, len(outcomes), total, policy, store, pool, by)
                policy.check_position(current.index)
            await current.add(chunk.data)
        if current is not None:
            file, current = current, None
            outcomes.append(await _finish(file, wanted))
    except Cancelled:
        pass
    except Rejected as exc:
        assert current is not None
        outcomes.append(Outcome(name=current.name, stored=False, message=f"{exc}; {STOPPED}"))
    except Exception:
        name = current.name if current is not None else "(upload)"
        logger.exception("receiving %r failed", name)
        failed = ingest.server_error(name)
        failed.message = f"{failed.message}; {STOPPED}"
        outcomes.append(failed)
    finally:
        if current is not None:
            await current.close()
    return outcomes
