"""Nothing stored is served, and nothing is uploaded, without a session, a signed URL or a link.

Reflex mounts the upload dir at ``/_upload`` with no check at all, and takes
uploads at ``POST /_upload``. This ASGI middleware sits in front of the whole
backend (``rx.App(api_transformer=...)``, outermost) and, once any account
exists (access.py), lets through:

- a stored file (``/_upload/<name>``, the bucket's ``/files/<name>``) or a download
  (``/download/<id>``) with a valid signed URL (signing.py) or a session cookie;
- an upload with a session (its cookie, or its tab's grant: the page's request
  carries no cookie when the backend is another origin), or for a drop link's page
  with the tab's open drop link.

Anything else gets a 403 that names nothing. Everything it serves from those
paths, open or not, carries ``X-Content-Type-Options: nosniff`` and
``Content-Security-Policy: sandbox``: a stored file never runs as the app's page.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Collection
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upload_demo import access, drop_links, signing

logger = logging.getLogger(__name__)

#: Served with every stored byte.
FILE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"sandbox"),
)

#: The paths, relative to the backend, under which stored bytes are served.
FILE_PREFIXES = ("_upload/", "files/", "download/")


def _client_upload_allowed(headers: Headers, drop_handlers: Collection[str]) -> bool:
    token = access.cookie_token(headers.get("cookie", ""))
    allowed, link_id = access.may_upload(token, headers.get("reflex-client-token", ""))
    if not allowed:
        return False
    if link_id is None:
        return True
    # A drop link's tab uploads through the drop page only, while the link is open.
    if headers.get("reflex-event-handler", "") not in drop_handlers:
        return False
    return drop_links.refusal(drop_links.get(link_id)) == ""


def _file_allowed(relative: str, query: str, cookie: str) -> bool:
    if access.is_open():
        return True
    params = parse_qs(query)
    expires, signature = params.get("exp", [""])[0], params.get("sig", [""])[0]
    if expires and signature and signing.valid(relative, expires, signature):
        return True
    return access.identity(access.cookie_token(cookie)) is not None


class AccessGuard:
    """ASGI middleware; see the module docstring."""

    def __init__(
        self, app: ASGIApp, *, prefix: str, upload_path: str, drop_handlers: Collection[str]
    ) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"
        self.upload_path = upload_path.rstrip("/")
        self.drop_handlers = frozenset(drop_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check uploads and file reads; pass everything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if scope["method"] == "POST" and path.rstrip("/") == self.upload_path:
            headers = Headers(scope=scope)
            allowed = await asyncio.to_thread(_client_upload_allowed, headers, self.drop_handlers)
            if not allowed:
                await _refuse(send, "Sign in to upload.")
                return
            await self.app(scope, receive, send)
            return
        relative = path[len(self.prefix) :] if path.startswith(self.prefix) else ""
        if not relative.startswith(FILE_PREFIXES):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        cookie = Headers(scope=scope).get("cookie", "")
        if not await asyncio.to_thread(_file_allowed, relative, query, cookie):
            await _refuse(send, "Sign in to see stored files.")
            return
        await self.app(scope, receive, _with_file_headers(send))


def _with_file_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() not in {header for header, _ in FILE_HEADERS}
            ]
            message = {**message, "headers": [*kept, *FILE_HEADERS]}
        await send(message)

    return sending


async def _refuse(send: Send, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                # A refused upload's body is not wanted: close rather than drain it.
                (b"connection", b"close"),
                *FILE_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def transformer(
    *, prefix: str, upload_path: str, drop_handlers: Collection[str]
) -> Callable[[ASGIApp], ASGIApp]:
    """An ``api_transformer`` entry that puts the access guard in front of the app."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return AccessGuard(app, prefix=prefix, upload_path=upload_path, drop_handlers=drop_handlers)

    return wrap
