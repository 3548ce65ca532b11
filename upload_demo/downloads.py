"""``GET /download/{id}``: a stored file, offered under the name it was uploaded with.

Reflex serves ``/_upload/<random name>``, and a browser ignores ``<a download="...">``
for a cross-origin URL (in development the backend is another origin than the
frontend), so only the server can name the download: this route looks the file
up by id and sends it with ``Content-Disposition: attachment`` (RFC 6266), an
ASCII fallback name plus the exact name in UTF-8 (RFC 8187 ``filename*``).

With the files in a bucket (stores.py), nothing is public: this route then
redirects to a presigned URL that makes the bucket answer with the same
Content-Disposition, and ``GET /files/{name}`` does the same for the pages'
pictures and the player (where the local dir has Reflex's ``/_upload``). Each
redirect mints a fresh URL, so a page left open for hours still shows its files.

Mounted with ``rx.App(api_transformer=downloads.api)``; Reflex mounts its own
backend under it, so every other route is untouched.
"""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from upload_demo import records, stores
from upload_demo.bucket import STORED_NAME, BucketStore
from upload_demo.models import StoredFile
from upload_demo.reflex_internals import backend_route
from upload_demo.stores import LocalStore

#: The routes, under the backend path like Reflex's own ``/_upload``.
PATH = "/download/{file_id:int}"
FILES_PATH = "/files/{name}"

#: The browser may reuse a redirect for this long; the URL it leads to lives longer.
REDIRECT_MAX_AGE_S = 60

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


def _located(file_id: int, store: LocalStore) -> tuple[StoredFile, Path] | None:
    record = records.get(file_id)
    if record is None:
        return None
    path = store.directory / record.stored_name
    return (record, path) if path.is_file() else None


def _redirect(url: str) -> Response:
    return RedirectResponse(
        url, status_code=307, headers={"Cache-Control": f"private, max-age={REDIRECT_MAX_AGE_S}"}
    )


def _presigned_download(file_id: int, store: BucketStore) -> str | None:
    """A presigned URL answering with the record's type and original name; None if gone."""
    record = records.get(file_id)
    if record is None or not store.exists(record.stored_name):
        return None
    disposition = content_disposition(
        record.original_name, default=f"download{Path(record.stored_name).suffix}"
    )
    return store.url_for(
        record.stored_name, content_type=record.content_type, download_as=disposition
    )


async def download(request: Request) -> Response:
    """Stream the file with its original name, or 404 for an unknown id or a missing file."""
    file_id = request.path_params["file_id"]
    store = stores.configured()
    if isinstance(store, BucketStore):
        url = await asyncio.to_thread(_presigned_download, file_id, store)
        return _redirect(url) if url else _not_found()
    assert isinstance(store, LocalStore)
    found = await asyncio.to_thread(_located, file_id, store)
    if found is None:
        return _not_found()
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


async def stored_file(request: Request) -> Response:
    """A bucket object by its stored name, through a presigned URL (404 for any other name)."""
    name = request.path_params["name"]
    store = stores.configured()
    if not isinstance(store, BucketStore) or not STORED_NAME.fullmatch(name):
        return _not_found()
    # Signing is local computation (no request to the bucket): no thread needed.
    return _redirect(store.url_for(name))


def _not_found() -> Response:
    return PlainTextResponse("No such file.", status_code=404)


#: Given to ``rx.App(api_transformer=...)``; Reflex mounts its backend inside it.
api = Starlette(
    routes=[
        Route(backend_route(PATH), download, methods=["GET", "HEAD"]),
        Route(backend_route(FILES_PATH), stored_file, methods=["GET", "HEAD"]),
    ]
)
