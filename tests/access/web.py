"""Signing in and uploading over plain HTTP, as a script (not a browser) does."""

from __future__ import annotations

import http.cookies
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests import client
from upload_demo import access


def origin_of(url: str) -> str:
    """The ``Origin`` a page of the app at ``url`` sends (scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def post_sign_in(
    backend_url: str, name: str, password: str, *, origin: str | None = None, next_path: str = "/"
) -> httpx.Response:
    """POST the sign-in form the way the page does; the redirect is not followed."""
    return httpx.post(
        f"{backend_url}/auth/sign-in",
        data={"name": name, "password": password, "next": next_path},
        headers={"Origin": origin if origin is not None else origin_of(backend_url)},
        follow_redirects=False,
        timeout=30,
    )


def session_token(response: httpx.Response) -> str:
    """The session cookie's value the response sets, or ""."""
    for header in response.headers.get_list("set-cookie"):
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        morsel = jar.get(access.COOKIE)
        if morsel is not None and morsel.value:
            return morsel.value
    return ""


def redirect_query(response: httpx.Response) -> dict[str, str]:
    """The query of a 303's Location (``error=wrong``, ``error=throttled``, ...)."""
    assert response.status_code == 303, (response.status_code, response.text[:300])
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {key: values[0] for key, values in query.items()}


def signed_in_cookie(backend_url: str, name: str, password: str) -> str:
    """A ``Cookie`` header value of a fresh session of the account."""
    token = session_token(post_sign_in(backend_url, name, password))
    assert token, f"{name} could not sign in"
    return f"{access.COOKIE}={token}"


def upload_with(
    backend_url: str,
    handler: Any,
    files: list[tuple[str, bytes]],
    *,
    cookie: str = "",
    token: str | None = None,
) -> httpx.Response:
    """POST ``files`` to the upload endpoint, with a session cookie when given."""
    headers = {
        "Reflex-Client-Token": token or str(uuid.uuid4()),
        "Reflex-Event-Handler": client.handler_name(handler),
    }
    if cookie:
        headers["Cookie"] = cookie
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return httpx.post(f"{backend_url}/_upload", headers=headers, files=parts, timeout=60)
