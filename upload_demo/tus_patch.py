"""One tus PATCH: its body written at its offset into the partial file, confirmed as it lands.

The request's checks come first (409 off the confirmed offset, 413 past the
declared length, 415 for another body type, 423 while another PATCH holds the
upload's lock). Then the bytes are written as they come, one write in flight
while the next gathers, in the ingest pool's threads. Every ``COMMIT_BYTES`` or
``COMMIT_S`` the written bytes are fsynced and confirmed (beside the next
writes, which do not wait for the disk), and again when the body ends, the
client goes away or sends nothing for ``UPLOAD_DEMO_RESUMABLE_IDLE_S`` seconds:
a cut loses at most what was not yet confirmed. The type is judged once the
first ``HEAD_SIZE`` bytes are in (a refused type ends the upload: 415 with the
reason). With ``Upload-Checksum`` nothing of the PATCH is confirmed until its
whole body matched (460 otherwise). The last byte in, the file goes through
ingest before the PATCH is answered (resumable_files.store_complete).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import Headers
from starlette.types import Receive

from upload_demo import resumable, resumable_files, storage, tus
from upload_demo.filetypes import HEAD_SIZE
from upload_demo.ingest_pool import POOL
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.resumable import Upload
from upload_demo.stores import Store
from upload_demo.tus import TusError

logger = logging.getLogger(__name__)

#: Bytes gathered before one write.
WRITE_SIZE = storage.CHUNK_SIZE
#: Confirm (fsync, then move the row's offset) at least this often while a PATCH streams.
COMMIT_BYTES = 8 * 1024 * 1024
COMMIT_S = 1.0
#: A PATCH body that sends nothing for this long is over: what came is confirmed.
IDLE_SETTING = "UPLOAD_DEMO_RESUMABLE_IDLE_S"
DEFAULT_IDLE_S = 30.0

T = TypeVar("T")


def _idle_s() -> float:
    return float(os.environ.get(IDLE_SETTING, "") or DEFAULT_IDLE_S)


async def _in_pool(fn: Callable[..., T], *args: Any) -> T:
    """Blocking disk and hash work in the ingest pool (as asyncio.to_thread would, with context)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(POOL, lambda: context.run(fn, *args))


def upload_headers(upload: Upload) -> dict[str, str]:
    """What the answers to HEAD, creation and PATCH say of an upload."""
    headers = {"Upload-Offset": str(upload.received), "Upload-Length": str(upload.length)}
    if not upload.finished:
        headers["Upload-Expires"] = tus.http_date(upload.expires_at)
    return headers


class Patch:
    """One PATCH: its bytes written at their offset, confirmed as they land."""

    def __init__(
        self, policy: UploadPolicy, store: Store, upload: Upload, headers: Headers
    ) -> None:
        if headers.get("content-type", "").split(";")[0].strip() != tus.PATCH_CONTENT_TYPE:
            raise TusError(415, f"a PATCH body is {tus.PATCH_CONTENT_TYPE}")
        self.offset = tus.parse_offset(headers.get("upload-offset"))
        self.checksum = tus.parse_checksum(headers.get("upload-checksum"))
        declared = tus.parse_content_length(headers.get("content-length"))
        self.policy, self.store, self.upload = policy, store, upload
        if upload.finished or self.offset != upload.received:
            raise TusError(409, f"the server has {upload.received} bytes of this upload")
        if declared is not None and self.offset + declared > upload.length:
            raise TusError(413, "the body goes past the upload's declared length")
        self.head_end = min(HEAD_SIZE, upload.length)
        self.position = self.offset
        self.committed = self.offset
        self.committed_at = time.monotonic()
        self.busy: concurrent.futures.Future[None] | None = None
        #: The confirmation running beside the writes (fsync, then the row), if any.
        self.confirming: asyncio.Task[None] | None = None
        #: The row refused to move: the upload was terminated while this PATCH ran.
        self.terminated = False
        self.fd = -1
        self.digests: list[tus.Hash] = []
        self.sha256: tus.Hash | None = None

    async def run(self, receive: Receive) -> tus.Response | None:
        """Take the upload's lock, then read, write and confirm the body (None: client gone)."""
        stack = contextlib.ExitStack()
        try:
            self.fd = await asyncio.to_thread(
                stack.enter_context, resumable_files.locked(self.store.staging_dir, self.upload.id)
            )
        except resumable_files.Busy:
            raise TusError(423, "another request is sending this upload") from None
        except resumable_files.Lost:
            raise TusError(410, "this upload's data is gone; start it again") from None
        try:
            return await self._locked(receive)
        finally:
            await self._settle()
            await asyncio.to_thread(stack.close)

    async def _locked(self, receive: Receive) -> tus.Response | None:
        fresh = await asyncio.to_thread(resumable.find, self.upload.id)
        if fresh is None:
            raise TusError(404, "no such upload")
        if fresh.received != self.offset:
            raise TusError(409, f"the server has {fresh.received} bytes of this upload")
        self.sha256 = await _in_pool(
            resumable_files.hash_up_to, self.fd, self.upload.id, self.offset
        )
        self.digests = [self.sha256]
        checker = self.checksum.hasher() if self.checksum is not None else None
        if checker is not None:
            self.digests.append(checker)
        ended, too_long = await self._receive_body(receive)
        await self._wait()
        if self.checksum is not None and not self.checksum.matches(checker):
            self.sha256 = None
            raise TusError(tus.CHECKSUM_MISMATCH, "the body does not match Upload-Checksum")
        if too_long:
            await self._commit()
            raise TusError(413, "the body goes past the upload's declared length")
        if self.position == self.upload.length:
            return await self._complete()
        await self._commit()
        if not ended:
            return None
        return tus.Response(
            204, upload_headers(dataclasses.replace(self.upload, received=self.committed))
        )

    async def _receive_body(self, receive: Receive) -> tuple[bool, bool]:
        """Read the body to its end; (whether it ended, rather than broke off; too long)."""
        pending = bytearray()
        idle_s = _idle_s()
        more = True
        while more:
            try:
                async with asyncio.timeout(idle_s):
                    message = await receive()
            except TimeoutError:
                logger.info("tus upload %s: no bytes for %.0f s", self.upload.id, idle_s)
                await self._write(pending)
                return True, False
            if message["type"] == "http.disconnect":
                await self._write(pending)
                return False, False
            body: bytes = message.get("body", b"")
            more = bool(message.get("more_body", False))
            room = self.upload.length - self.position - len(pending)
            if len(body) > room:
                pending += body[:room]
                await self._write(pending)
                return True, True
            pending += body
            if len(pending) >= WRITE_SIZE or not more:
                await self._write(pending)
                pending = bytearray()
            await self._check_head()
            if self.checksum is None and self._commit_due():
                await self._confirm_soon()
        return True, False

    def _commit_due(self) -> bool:
        return self.position > self.committed and (
            self.position - self.committed >= COMMIT_BYTES
            or time.monotonic() - self.committed_at >= COMMIT_S
        )

    async def _write(self, pending: bytearray) -> None:
        if not pending:
            return
        await self._wait()
        data = bytes(pending)
        context = contextvars.copy_context()
        self.busy = POOL.submit(
            context.run, resumable_files.write_at, self.fd, self.position, data, *self.digests
        )
        self.position += len(data)

    async def _wait(self) -> None:
        if self.busy is not None:
            busy, self.busy = self.busy, None
            await asyncio.wrap_future(busy)

    async def _check_head(self) -> None:
        """Once the head is in, the type: a page that refuses it ends the upload (415)."""
        if not (self.offset < self.head_end <= self.position):
            return
        await self._wait()
        try:
            await _in_pool(resumable_files.check_head, self.fd, self.policy, self.upload.length)
        except Rejected as exc:
            self.sha256 = None
            await asyncio.to_thread(resumable.forget, self.store.staging_dir, self.upload.id)
            raise TusError(415, str(exc)) from None
        self.head_end = -1

    async def _confirm(self, target: int) -> None:
        """Fsync what was written up to ``target``, then move the row's offset there."""
        await _in_pool(os.fsync, self.fd)
        moved = await asyncio.to_thread(resumable.advance, self.upload.id, self.committed, target)
        if moved:
            self.committed = target
            self.committed_at = time.monotonic()
        else:
            self.terminated = True

    async def _confirm_soon(self) -> None:
        """Confirm what is written beside the next writes (one confirmation at a time).

        An fsync waits for the disk: run in line, it would hold the body up for as long.
        """
        if self.confirming is not None:
            if not self.confirming.done():
                return
            await self._confirmed()
        await self._wait()
        self.confirming = asyncio.create_task(self._confirm(self.position))

    async def _confirmed(self) -> None:
        """Wait for the confirmation running, if any (404 if the upload was ended)."""
        if self.confirming is not None:
            confirming, self.confirming = self.confirming, None
            await confirming
        if self.terminated:
            self.sha256 = None
            raise TusError(404, "this upload was terminated")

    async def _commit(self) -> None:
        """Confirm everything written, now (404 if the upload was ended)."""
        await self._confirmed()
        await self._wait()
        if self.position > self.committed:
            await self._confirm(self.position)
        await self._confirmed()

    async def _complete(self) -> tus.Response:
        await self._confirmed()
        assert self.sha256 is not None
        digest, self.sha256 = self.sha256, None
        outcome = await _in_pool(
            resumable_files.store_complete, self.fd, self.upload, digest, self.policy, self.store
        )
        logger.info("tus upload %s finished: %s", self.upload.id, outcome.message)
        self.committed = self.upload.length
        headers = {
            "Upload-Offset": str(self.upload.length),
            "Upload-Length": str(self.upload.length),
        }
        return tus.Response(204, headers)

    async def _settle(self) -> None:
        """Whatever happened: nothing in flight, and the hash kept for the next PATCH."""
        try:
            await self._wait()
            if self.confirming is not None:
                await self.confirming
        except Exception:
            self.sha256 = None
        if self.sha256 is not None and self.position == self.committed:
            resumable_files.HASHERS.give(self.upload.id, self.committed, self.sha256)
