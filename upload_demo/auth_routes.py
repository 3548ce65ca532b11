"""``POST /auth/sign-in`` and ``POST /auth/sign-out``: the only places a session cookie is set.

A Reflex event travels over the websocket, which cannot set an HttpOnly cookie
(only JavaScript could, and then JavaScript could read it). So the sign-in page
is a plain HTML form posted to this backend route, which checks the password
(argon2, in a thread), slows guessing down (throttle.py), sets the cookie and
redirects back to the page the form came from. The password never enters the
Reflex state. A form from another site is refused (its ``Origin`` is not this
host), so nobody can sign a visitor in or out behind their back.
"""

from __future__ import annotations

import asyncio
import logging
import math
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from upload_demo import access, accounts, sessions, throttle
from upload_demo.reflex_internals import backend_route

logger = logging.getLogger(__name__)

SIGN_IN_PATH = "/auth/sign-in"
SIGN_OUT_PATH = "/auth/sign-out"

#: The frontend page with the form.
SIGN_IN_PAGE = "/sign-in"


def _origin(request: Request) -> str | None:
    """The page's origin if it is this host (any port: the dev frontend is another one)."""
    origin = request.headers.get("origin") or ""
    if not origin:
        referer = urlsplit(request.headers.get("referer") or "")
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https") and parts.hostname == request.url.hostname:
        return origin
    logger.warning(
        "auth form refused: its origin %r is not this host %r", origin, request.url.hostname
    )
    return None


def _next_path(raw: str) -> str:
    """Where to go after signing in: a path of this app, never another site."""
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


def _back(origin: str, path: str, **query: str) -> Response:
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"{origin}{path}{suffix}", status_code=303)


def _set_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        access.COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def sign_in(request: Request) -> Response:
    """Check the name and password; on success set the cookie and go back to ``next``."""
    origin = _origin(request)
    if origin is None:
        return PlainTextResponse("Sign in from the app's own page.", status_code=403)
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    next_path = _next_path(str(form.get("next") or "/"))
    counters = throttle.keys(name, _client_address(request))
    wait = await asyncio.to_thread(throttle.wait_before, counters)
    if wait.total_seconds() > 0:
        seconds = str(math.ceil(wait.total_seconds()))
        return _back(origin, SIGN_IN_PAGE, error="throttled", wait=seconds, next=next_path)
    found = await asyncio.to_thread(accounts.verify, name, password)
    if found is None:
        await asyncio.to_thread(throttle.failed, counters)
        return _back(origin, SIGN_IN_PAGE, error="wrong", next=next_path)
    await asyncio.to_thread(throttle.succeeded, counters[0])
    token = await asyncio.to_thread(sessions.open_for, found.account_id)
    response = _back(origin, next_path)
    _set_cookie(response, request, token)
    return response


async def sign_out(request: Request) -> Response:
    """End the session and clear the cookie."""
    origin = _origin(request)
    if origin is None:
        return PlainTextResponse("Sign out from the app's own page.", status_code=403)
    token = access.cookie_token(request.headers.get("cookie", ""))
    if token:
        await asyncio.to_thread(sessions.close, token)
    response = _back(origin, SIGN_IN_PAGE, signed_out="1")
    response.delete_cookie(access.COOKIE, path="/", httponly=True, samesite="strict")
    return response


#: Given to ``rx.App(api_transformer=...)``; Reflex mounts its backend inside it.
api = Starlette(
    routes=[
        Route(backend_route(SIGN_IN_PATH), sign_in, methods=["POST"]),
        Route(backend_route(SIGN_OUT_PATH), sign_out, methods=["POST"]),
    ]
)
