"""The tus endpoint: ``/tus/`` (OPTIONS, POST) and ``/tus/<id>`` (HEAD, PATCH, DELETE).

Mounted with ``rx.App(api_transformer=...)`` inside the access guard, as pure
ASGI so a PATCH body streams through unbuffered. The protocol's words are in
tus.py, the uploads' rows and partial files in resumable.py; here a request
becomes their calls:

- creation checks the declared length and the selection's count and total
  against the page's UploadPolicy (413 with the reason);
- a PATCH takes the upload's lock (423 while another is writing), starts at
  the confirmed offset only (409), never goes past the declared length (413),
  and writes as the bytes come, one write in flight while the next gathers,
  in the ingest pool's threads. Every ``COMMIT_BYTES`` or ``COMMIT_S`` the
  written bytes are fsynced and confirmed (beside the next writes, which do
  not wait for the disk), and again when the body ends, the client goes away
  or sends nothing for ``UPLOAD_DEMO_RESUMABLE_IDLE_S`` seconds: a cut loses
  at most what was not yet confirmed. The type is judged once the first
  ``HEAD_SIZE`` bytes are in (a refused type ends the upload: 415 with the reason);
- with ``Upload-Checksum`` nothing of the PATCH is confirmed until its whole
  body matched (460 otherwise, and none of it counts);
- the last byte in, the file goes through ingest like any page's upload,
  before the PATCH is answered; the page then reads the outcome from the row.

Only the account (or, in the open app, anyone on loopback) that created an
upload can see or touch it: to anyone else it does not exist (404).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from upload_demo import access, resumable, storage, tus
from upload_demo.filetypes import HEAD_SIZE
from upload_demo.ingest_pool import POOL
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.resumable import Upload
from upload_demo.stores import Store
from upload_demo.tus import TusError

logger = logging.getLogger(__name__)

PATH = "/tus/"

#: Bytes gathered before one write.
WRITE_SIZE = storage.CHUNK_SIZE
#: Confirm (fsync, then move the row's offset) at least this often while a PATCH streams.
COMMIT_BYTES = 8 * 1024 * 1024
COMMIT_S = 1.0
#: A PATCH body that sends nothing for this long is over: what came is confirmed.
IDLE_SETTING = "UPLOAD_DEMO_RESUMABLE_IDLE_S"
DEFAULT_IDLE_S = 30.0

T = TypeVar("T")


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None, body: str = "") -> None:
        self.status = status
        self.headers = headers or {}
        self.body = body


def _idle_s() -> float:
    return float(os.environ.get(IDLE_SETTING, "") or DEFAULT_IDLE_S)


async def _in_pool(fn: Callable[..., T], *args: Any) -> T:
    """Blocking disk and hash work in the ingest pool (as asyncio.to_thread would, with context)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(POOL, lambda: context.run(fn, *args))


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.received), "Upload-Length": str(upload.length)}
    if not upload.finished:
        headers["Upload-Expires"] = tus.http_date(upload.expires_at)
    return headers


class TusApp:
    """ASGI middleware answering the tus paths; everything else goes to ``app``."""

    def __init__(
        self, app: ASGIApp, *, root: str, policy: UploadPolicy, store: Callable[[], Store]
    ) -> None:
        self.app = app
        self.root = root.rstrip("/") + "/"
        self.policy = policy
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a tus request, or pass the request on."""
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path + "/").startswith(self.root):
            await self.app(scope, receive, send)
            return
        rest = path[len(self.root) :] if path.startswith(self.root) else ""
        try:
            response = await self._handle(scope, receive, rest)
        except TusError as exc:
            response = _Response(exc.status, body=exc.reason)
        except Exception:
            logger.exception("tus %s %s failed", scope["method"], path)
            response = _Response(500, body="the upload failed because of a server error")
        if response is not None:
            await _send(send, response)

    async def _handle(self, scope: Scope, receive: Receive, rest: str) -> _Response | None:
        method: str = scope["method"]
        headers = Headers(scope=scope)
        if method == "OPTIONS":
            return _Response(204, tus.option_headers(self.policy.max_file_size))
        tus.check_version(dict(headers))
        who = await asyncio.to_thread(
            access.uploader_name,
            access.cookie_token(headers.get("cookie", "")),
            headers.get("reflex-client-token", ""),
        )
        if who is None:
            raise TusError(403, "Sign in to upload.")
        if rest == "":
            if method != "POST":
                raise TusError(405, "create an upload with POST")
            return await self._create(headers, who)
        if method not in ("HEAD", "PATCH", "DELETE"):
            raise TusError(405, "an upload takes HEAD, PATCH or DELETE")
        upload = await asyncio.to_thread(resumable.find, rest)
        if upload is None or upload.uploaded_by != who or upload.source_page != self.policy.page:
            raise TusError(404, "no such upload")
        if method == "DELETE":
            await asyncio.to_thread(resumable.forget, self.store().staging_dir, upload.id)
            return _Response(204)
        if upload.expired:
            raise TusError(410, "this upload expired; start it again")
        if method == "HEAD":
            return _Response(200, {**_upload_headers(upload), "Cache-Control": "no-store"})
        return await _Patch(self.policy, self.store(), upload, headers).run(receive)

    async def _create(self, headers: Headers, who: str) -> _Response:
        length = tus.parse_length(headers.get("upload-length"))
        metadata = tus.parse_metadata(headers.get("upload-metadata"))
        name = metadata.get("filename") or metadata.get("name") or ""
        batch = metadata.get("batch", "")[:64]
        try:
            upload = await asyncio.to_thread(
                resumable.create, self.store().staging_dir, self.policy, who, name, length, batch
            )
        except Rejected as exc:
            raise TusError(413 if length else 400, str(exc)) from None
        location = f"{self.root}{upload.id}"
        return _Response(201, {"Location": location, **_upload_headers(upload)})


class _Patch:
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

    async def run(self, receive: Receive) -> _Response | None:
        stack = contextlib.ExitStack()
        try:
            self.fd = await asyncio.to_thread(
                stack.enter_context, resumable.locked(self.store.staging_dir, self.upload.id)
            )
        except resumable.Busy:
            raise TusError(423, "another request is sending this upload") from None
        except resumable.Lost:
            raise TusError(410, "this upload's data is gone; start it again") from None
        try:
            return await self._locked(receive)
        finally:
            await self._settle()
            await asyncio.to_thread(stack.close)

    async def _locked(self, receive: Receive) -> _Response | None:
        fresh = await asyncio.to_thread(resumable.find, self.upload.id)
        if fresh is None:
            raise TusError(404, "no such upload")
        if fresh.received != self.offset:
            raise TusError(409, f"the server has {fresh.received} bytes of this upload")
        self.sha256 = await _in_pool(resumable.hash_up_to, self.fd, self.upload.id, self.offset)
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
        return _Response(
            204, _upload_headers(dataclasses.replace(self.upload, received=self.committed))
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
            context.run, resumable.write_at, self.fd, self.position, data, *self.digests
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
            await _in_pool(resumable.check_head, self.fd, self.policy, self.upload.length)
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

    async def _complete(self) -> _Response:
        await self._confirmed()
        assert self.sha256 is not None
        digest, self.sha256 = self.sha256, None
        outcome = await _in_pool(
            resumable.store_complete, self.fd, self.upload, digest, self.policy, self.store
        )
        logger.info("tus upload %s finished: %s", self.upload.id, outcome.message)
        self.committed = self.upload.length
        headers = {
            "Upload-Offset": str(self.upload.length),
            "Upload-Length": str(self.upload.length),
        }
        return _Response(204, headers)

    async def _settle(self) -> None:
        """Whatever happened: nothing in flight, and the hash kept for the next PATCH."""
        try:
            await self._wait()
            if self.confirming is not None:
                await self.confirming
        except Exception:
            self.sha256 = None
        if self.sha256 is not None and self.position == self.committed:
            resumable.HASHERS.give(self.upload.id, self.committed, self.sha256)


async def _send(send: Send, response: _Response) -> None:
    headers = {
        "Tus-Resumable": tus.VERSION,
        "Access-Control-Expose-Headers": tus.EXPOSED_HEADERS,
        "Cache-Control": "no-store",
        **response.headers,
    }
    body = json.dumps({"detail": response.body}).encode() if response.body else b""
    if body:
        headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


def transformer(
    *, root: str, policy: UploadPolicy, store: Callable[[], Store]
) -> Callable[[ASGIApp], ASGIApp]:
    """An ``api_transformer`` entry that answers tus requests under ``root``."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return TusApp(app, root=root, policy=policy, store=store)

    return wrap
