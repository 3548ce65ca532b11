"""Stop an upload request that is over its page's total before it is spooled.

Reflex hands ``POST /_upload`` to Starlette's form parser, which writes every
file part to a temporary file, with no size cap, before any handler can look
at it (Reflex issue #6115): a 10 GB request to a page whose total is 50 MB
would be received and spooled whole. ``UploadGuard`` sits in front of that
route (``rx.App(api_transformer=...)``). It finds the page's UploadPolicy from
the ``Reflex-Event-Handler`` header and answers 413:

- at once, without calling the app, when the declared ``Content-Length`` is
  over the limit;
- as soon as the bytes counted while the body streams in pass the limit (a
  chunked request has no ``Content-Length``; a lying client is counted too).
  The app then reads a disconnect, so Starlette closes (and thereby deletes)
  the temporary files it had started, Reflex never runs the handler, and
  whatever response the app still tries to send is dropped: the 413 is the
  only answer.

It is pure ASGI, not Starlette's ``BaseHTTPMiddleware``, so bodies stream
through unbuffered. Other paths, methods and handlers pass through untouched.

The browser cannot report why its upload failed (Reflex only logs a failed
request to the console), so the guard also tells the page: it calls
``on_refused`` with the client token, the handler, the upload attempt (the
``Upload-Attempt`` header the page sends) and the reason, before it answers.
The app turns that into an event for the page's State (see
``upload_demo.report_refusal``). The guard itself knows policies, not pages.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upload_demo.policy import UploadPolicy
from upload_demo.units import human_bytes

logger = logging.getLogger(__name__)

#: Bytes a request may carry beyond the policy's total, for multipart framing.
#: Each part costs a boundary line (at most 74 bytes), a Content-Disposition
#: header with the file name (browsers send at most 255 characters, up to
#: ~800 bytes once UTF-8 and escaped) and a Content-Type line: under 1 KiB per
#: part. 64 KiB covers 64 such parts (three times the largest ``max_files``,
#: 20) plus Reflex's small bound-args field, and is 0.26 % of the smallest
#: total (25 MB), so it never lets a meaningful amount through.
MULTIPART_ALLOWANCE = 64 * 1024

#: The header the upload pages send with the number of the upload attempt.
ATTEMPT_HEADER = "upload-attempt"

#: How long the guard waits for ``on_refused`` before answering anyway.
REPORT_TIMEOUT_S = 5.0


@dataclasses.dataclass(frozen=True)
class Refusal:
    """One refused upload request, as the page should hear of it."""

    token: str
    handler: str
    attempt: int | None
    reason: str


RefusalHook = Callable[[Refusal], Awaitable[None]]


def declared_reason(policy: UploadPolicy, size: int) -> str:
    """Why a request whose declared length is over the total was refused."""
    return (
        f"the upload is {human_bytes(size)}, more than this page's "
        f"{human_bytes(policy.max_total_size)} total; nothing was stored"
    )


def counted_reason(policy: UploadPolicy) -> str:
    """Why a request that grew past the total while streaming was stopped."""
    return (
        f"the upload grew past this page's {human_bytes(policy.max_total_size)} total "
        "and was stopped; nothing was stored"
    )


def request_limit(policy: UploadPolicy) -> int:
    """The most bytes a request body to this policy's handler may carry."""
    return policy.max_total_size + MULTIPART_ALLOWANCE


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class UploadGuard:
    """ASGI middleware: 413 for upload requests over their page's total."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        policies: Mapping[str, UploadPolicy],
        on_refused: RefusalHook | None = None,
    ) -> None:
        self.app = app
        self.path = path.rstrip("/")
        self.policies = dict(policies)
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through, except upload requests that are too large."""
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") != self.path
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        handler = headers.get("reflex-event-handler", "")
        policy = self.policies.get(handler)
        if policy is None:
            await self.app(scope, receive, send)
            return
        refusal = _RefusalContext(
            token=headers.get("reflex-client-token", ""),
            handler=handler,
            attempt=_int_or_none(headers.get(ATTEMPT_HEADER)),
            hook=self.on_refused,
        )
        declared = _int_or_none(headers.get("content-length"))
        if declared is not None and declared > request_limit(policy):
            await refusal.answer(send, declared_reason(policy, declared))
            return
        counted = _CountedRequest(receive, send, request_limit(policy), policy, refusal)
        await self.app(scope, counted.receive, counted.send)


@dataclasses.dataclass
class _RefusalContext:
    token: str
    handler: str
    attempt: int | None
    hook: RefusalHook | None

    async def answer(self, send: Send, reason: str) -> None:
        """Tell the page (if a hook is set), then send the 413 and close the connection."""
        logger.warning("upload refused (413) for %s: %s", self.handler, reason)
        if self.hook is not None and self.token:
            refusal = Refusal(self.token, self.handler, self.attempt, reason)
            try:
                await asyncio.wait_for(self.hook(refusal), REPORT_TIMEOUT_S)
            except Exception:
                logger.exception("could not report the refused upload to the page")
        body = json.dumps({"detail": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not wanted: close rather than drain it.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _CountedRequest:
    """``receive``/``send`` for the app: count the body, cut it off past the limit."""

    def __init__(
        self,
        receive: Receive,
        send: Send,
        limit: int,
        policy: UploadPolicy,
        refusal: _RefusalContext,
    ) -> None:
        self._receive = receive
        self._send = send
        self._limit = limit
        self._policy = policy
        self._refusal = refusal
        self.received = 0
        self.refused = False
        self.answered = False
        self.response_started = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received <= self._limit:
            return message
        self.refused = True
        if not self.response_started:
            self.answered = True
            await self._refusal.answer(self._send, counted_reason(self._policy))
        # A disconnect makes Starlette stop parsing and close its temporary files.
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.answered:
            # The 413 has been sent; the app's own answer to the "disconnect" is dropped.
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)


def transformer(
    *, path: str, policies: Mapping[str, UploadPolicy], on_refused: RefusalHook | None = None
) -> Callable[[ASGIApp], ASGIApp]:
    """An ``api_transformer`` entry that puts the guard in front of the app."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return UploadGuard(app, path=path, policies=policies, on_refused=on_refused)

    return wrap
