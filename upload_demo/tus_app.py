"""The tus endpoint: ``/tus/`` (OPTIONS, POST) and ``/tus/<id>`` (HEAD, PATCH, DELETE).

Mounted with ``rx.App(api_transformer=...)`` inside the access guard, as pure
ASGI so a PATCH body streams through unbuffered. The protocol's words are in
tus.py, the uploads' rows in resumable.py, a PATCH in tus_patch.py; here a
request finds its upload and its answer. Creation checks the declared length
and the selection's count and total against the page's UploadPolicy (413 with
the reason) and keeps the file's folder from its ``relativePath`` metadata;
termination drops the row and the partial data at once.

Only the account (or, in the open app, anyone on loopback) that created an
upload can see or touch it: to anyone else it does not exist (404).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from upload_demo import access, resumable, tus
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.stores import Store
from upload_demo.tus import Response, TusError
from upload_demo.tus_patch import Patch, upload_headers

logger = logging.getLogger(__name__)

PATH = "/tus/"


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
            response = Response(exc.status, body=exc.reason)
        except Exception:
            logger.exception("tus %s %s failed", scope["method"], path)
            response = Response(500, body="the upload failed because of a server error")
        if response is not None:
            await _send(send, response)

    async def _handle(self, scope: Scope, receive: Receive, rest: str) -> Response | None:
        method: str = scope["method"]
        headers = Headers(scope=scope)
        if method == "OPTIONS":
            return Response(204, tus.option_headers(self.policy.max_file_size))
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
            return Response(204)
        if upload.expired:
            raise TusError(410, "this upload expired; start it again")
        if method == "HEAD":
            return Response(200, {**upload_headers(upload), "Cache-Control": "no-store"})
        return await Patch(self.policy, self.store(), upload, headers).run(receive)

    async def _create(self, headers: Headers, who: str) -> Response:
        length = tus.parse_length(headers.get("upload-length"))
        metadata = tus.parse_metadata(headers.get("upload-metadata"))
        name = metadata.get("filename") or metadata.get("name") or ""
        batch = metadata.get("batch", "")[:64]
        # The file's path as the browser has it; a client without it may name the folders
        # in the name, as on the multipart routes.
        relative_path = metadata.get("relativePath") or name
        try:
            upload = await asyncio.to_thread(
                resumable.create,
                self.store().staging_dir,
                self.policy,
                who,
                name,
                length,
                batch,
                relative_path,
            )
        except Rejected as exc:
            raise TusError(413 if length else 400, str(exc)) from None
        location = f"{self.root}{upload.id}"
        return Response(201, {"Location": location, **upload_headers(upload)})


async def _send(send: Send, response: Response) -> None:
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
