"""The bare anchors: the least an ASGI app must do to store an upload.

Served by the same server as the Reflex app (see servers.py), so a Reflex
figure divided by its anchor's is the cost of Reflex and the app, nothing else.
Both write the file's bytes to ``BENCH_UPLOAD_DIR``, hash them, fsync, and
reply with the SHA-256 and size, as a stored upload has to.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

CHUNK = 1024 * 1024


def _directory() -> Path:
    return Path(os.environ["BENCH_UPLOAD_DIR"])


class _Sink:
    """One stored file: written, hashed, fsynced; blocking, so called off the event loop."""

    def __init__(self) -> None:
        self.path = _directory() / f"anchor-{uuid.uuid4().hex}"
        self.file = self.path.open("wb")
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.sha.update(data)
        self.size += len(data)

    def close(self) -> dict[str, object]:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return {"sha256": self.sha.hexdigest(), "size": self.size}


async def streaming(request: Request) -> JSONResponse:
    """python-multipart's streaming parser: each part's bytes go to disk as they arrive."""
    _, params = parse_options_header(request.headers["content-type"])
    sinks: list[_Sink] = []
    pending: list[bytes] = []

    def on_part_begin() -> None:
        sinks.append(_Sink())

    def on_part_data(data: bytes, start: int, end: int) -> None:
        pending.append(data[start:end])

    parser = MultipartParser(
        params[b"boundary"],
        callbacks={"on_part_begin": on_part_begin, "on_part_data": on_part_data},
    )

    def feed(chunk: bytes) -> None:
        parser.write(chunk)
        for sink_data in pending:
            sinks[-1].write(sink_data)
        pending.clear()

    async for chunk in request.stream():
        await asyncio.to_thread(feed, chunk)
    parser.finalize()
    stored = [await asyncio.to_thread(sink.close) for sink in sinks]
    return JSONResponse(stored)


async def buffered(request: Request) -> JSONResponse:
    """``await request.form()`` (spooled), then a chunked copy + hash: a buffered upload's shape."""
    stored = []
    async with request.form(max_part_size=1 << 40) as form:
        for _, value in form.multi_items():
            if not isinstance(value, UploadFile):
                continue
            sink = _Sink()
            while chunk := await value.read(CHUNK):
                await asyncio.to_thread(sink.write, chunk)
            stored.append(await asyncio.to_thread(sink.close))
    return JSONResponse(stored)


async def ping(request: Request) -> PlainTextResponse:
    return PlainTextResponse("pong")


def app() -> Starlette:
    """The factory the server calls."""
    return Starlette(
        routes=[
            Route("/ping", ping),
            Route("/streaming", streaming, methods=["POST"]),
            Route("/buffered", buffered, methods=["POST"]),
        ]
    )
