"""``GET /download/{id}``: a stored file, offered under the name it was uploaded with.

Reflex serves ``/_upload/<random name>``, and a browser ignores ``<a download="...">``
for a cross-origin URL (in development the backend is another origin than the
frontend), so only the server can name the download: this route looks the file
up by id and sends it with ``Content-Disposition: attachment`` (RFC 6266), an
ASCII fallback name plus the exact name in UTF-8 (RFC 8187 ``filename*``).

Mounted with ``rx.App(api_transformer=downloads.api)``; Reflex mounts its own
backend under it, so every other route is untouched.
"""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path
from urllib.parse import quote

import reflex as rx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from upload_demo import records
from upload_demo.models import StoredFile
from upload_demo.reflex_internals import backend_route

#: The route, under the backend path like Reflex's own ``/_upload``.
PATH = "/download/{file_id:int}"

#: Characters never allowed in the quoted ASCII fallback name.
_UNSAFE_ASCII = set('"\\/')


def ascii_fallback(name: str, default: str) -> str:
    """``name`` in printable ASCII for old clients: accents dropped, quotes and slashes replaced.

    A name with nothing left of its stem (all CJK, say) falls back to ``default``.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = "".join("_" if ch in _UNSAFE_ASCII or not ch.isprintable() else ch for ch in folded)
    safe = safe.strip()
    stem = safe.rsplit(".", 1)[0]
    if not any(ch.isalnum() for ch in stem):
        return default
    return safe.strip(".")


def content_disposition(name: str, default: str) -> str:
    """An ``attachment`` header naming the file; safe for quotes, line breaks and any script."""
    clean = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C") or default
    return (
        f'attachment; filename="{ascii_fallback(clean, default)}"; '
        f"filename*=UTF-8''{quote(clean, safe='')}"
    )


def _located(file_id: int) -> tuple[StoredFile, Path] | None:
    record = records.get(file_id)
    if record is None:
        return None
    path = rx.get_upload_dir() / record.stored_name
    return (record, path) if path.is_file() else None


async def download(request: Request) -> Response:
    """Stream the file with its original name, or 404 for an unknown id or a missing file."""
    found = await asyncio.to_thread(_located, request.path_params["file_id"])
    if found is None:
        return PlainTextResponse("No such file.", status_code=404)
    record, path = found
    return FileResponse(
        path,
        media_type=record.content_type,
        headers={
            "Content-Disposition": content_disposition(
                record.original_name, default=f"download{path.suffix}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


#: Given to ``rx.App(api_transformer=...)``; Reflex mounts its backend inside it.
api = Starlette(routes=[Route(backend_route(PATH), download, methods=["GET", "HEAD"])])
