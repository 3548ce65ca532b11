"""Short-lived signed URLs for stored files: HMAC-SHA256 over the path and an expiry.

A page links to ``/_upload/<name>?exp=<unix time>&sig=<hex>``; the access guard
serves it to anyone until ``exp`` (an ``<img>`` in a drop link's page has no
session), and to nobody after. The key is ``UPLOAD_DEMO_SECRET_KEY`` if set, else
one made on first use and kept in the database, so every worker (on any
machine) signs and checks alike. Blocking on first use (database): call from a thread.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import time
from urllib.parse import urlencode

import reflex as rx
import sqlalchemy.exc

from upload_demo.models import AppSecret

SECRET_ENV = "UPLOAD_DEMO_SECRET_KEY"
TTL_ENV = "UPLOAD_DEMO_SIGNED_URL_TTL"
#: Seconds a signed URL works: long enough for a page to be read, short enough to be useless
#: once copied out of it.
DEFAULT_TTL_S = 3600

_SECRET_NAME = "url-signing-key"


def ttl_s() -> int:
    """How long a new signed URL works (``UPLOAD_DEMO_SIGNED_URL_TTL`` seconds)."""
    return int(os.environ.get(TTL_ENV) or DEFAULT_TTL_S)


@functools.cache
def _key() -> bytes:
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode()
    with rx.session() as session:
        found = session.get(AppSecret, _SECRET_NAME)
        if found is None:
            session.add(AppSecret(name=_SECRET_NAME, value=secrets.token_hex(32)))
            try:
                session.commit()
            except sqlalchemy.exc.IntegrityError:
                # Another worker made it first: use theirs.
                session.rollback()
            found = session.get(AppSecret, _SECRET_NAME)
        assert found is not None
        return found.value.encode()


def _signature(path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def sign(path: str, ttl: int | None = None, now: float | None = None) -> str:
    """``path`` with ``exp`` and ``sig`` query parameters that open it until the expiry."""
    expires = int((now if now is not None else time.time()) + (ttl if ttl is not None else ttl_s()))
    return f"{path}?{urlencode({'exp': expires, 'sig': _signature(path, expires)})}"


def valid(path: str, expires: str, signature: str, now: float | None = None) -> bool:
    """Whether ``sig`` signs ``path`` until ``exp``, and ``exp`` has not passed."""
    try:
        until = int(expires)
    except ValueError:
        return False
    if until < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_signature(path, until), signature)
