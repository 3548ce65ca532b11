"""Who may do what: open (no accounts, loopback only) or signed in, as a member or an admin.

With no account in the database the app is open, as it always was: everyone may
upload, browse and delete, and the app refuses to start on a non-loopback host
(``check_start``). Once an account exists, everything needs a session, except a
drop link's own page. This module decides; the access guard (HTTP), the auth
routes and the pages' States ask it. Blocking (database): call from a thread.
"""

from __future__ import annotations

import dataclasses
import http.cookies
import ipaddress
import time

from upload_demo import accounts, models, sessions
from upload_demo.accounts import Identity

#: The session cookie (HttpOnly, SameSite=Strict; see auth_routes.py).
COOKIE = "upload_demo_session"

#: How long a worker trusts its last answer to "is any account configured?".
OPEN_CHECK_EVERY_S = 2.0

#: What makes the first admin, as the start-up refusal and the pages say it.
FIRST_ADMIN_COMMAND = "python -m upload_demo.users add NAME --admin"

#: Who uploaded a file when nobody is signed in (the open app) or through a drop link.
ANONYMOUS = models.ANONYMOUS
VIA_DROP_LINK = models.VIA_DROP_LINK

_open_cache: tuple[float, bool] = (0.0, True)


@dataclasses.dataclass(frozen=True)
class Viewer:
    """Whoever a request or event comes from, when they may use the app at all."""

    identity: Identity | None

    @property
    def is_open(self) -> bool:
        """The app has no accounts: everyone on loopback may do everything."""
        return self.identity is None

    @property
    def may_delete(self) -> bool:
        """Deleting files is for admins (and for everyone in the open app)."""
        return self.identity is None or self.identity.is_admin

    @property
    def may_manage(self) -> bool:
        """Accounts and drop links exist only once there are accounts; admins manage them."""
        return self.identity is not None and self.identity.is_admin

    @property
    def uploader(self) -> str:
        """The name recorded with what this viewer uploads."""
        return self.identity.name if self.identity is not None else ANONYMOUS


def is_open() -> bool:
    """Whether no account is configured (asked again every ``OPEN_CHECK_EVERY_S``)."""
    global _open_cache
    checked_at, answer = _open_cache
    now = time.monotonic()
    if now - checked_at > OPEN_CHECK_EVERY_S:
        answer = not accounts.any_account()
        _open_cache = (now, answer)
    return answer


def forget_open_check() -> None:
    """Ask the database again on the next ``is_open`` (after the first account is made)."""
    global _open_cache
    _open_cache = (0.0, True)


def cookie_token(cookie_header: str) -> str:
    """The session token in a Cookie header, or ""."""
    jar = http.cookies.SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except http.cookies.CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else ""


def identity(token: str) -> Identity | None:
    """The enabled account of a live session, or None."""
    account_id = sessions.account_of(token)
    return accounts.enabled(account_id) if account_id is not None else None


def viewer(token: str) -> Viewer | None:
    """The viewer behind a session token; None when the app is closed and nobody is signed in."""
    if is_open():
        return Viewer(None)
    found = identity(token)
    return Viewer(found) if found is not None else None


def may_upload(token: str, client_token: str) -> tuple[bool, int | None]:
    """Whether an upload request may go ahead, and the drop link it is for (if any).

    The cookie's session, or the tab's grant (the request of a page on another
    origin carries no cookie), or a drop link granted to the tab.
    """
    if is_open() or identity(token) is not None:
        return True, None
    account_id, link_id = sessions.tab_grant(client_token)
    if account_id is not None and accounts.enabled(account_id) is not None:
        return True, None
    return link_id is not None, link_id


def uploader_name(token: str, client_token: str) -> str | None:
    """Who a resumable upload request uploads as: the account of the cookie or of the tab.

    "anonymous" in the open app; None for anyone else, a drop link's tab
    included (drop links upload through their own page only).
    """
    if is_open():
        return ANONYMOUS
    found = identity(token)
    if found is None:
        account_id, _ = sessions.tab_grant(client_token)
        found = accounts.enabled(account_id) if account_id is not None else None
    return found.name if found is not None else None


def is_loopback(host: str) -> bool:
    """Whether a listening address only faces this machine."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ExposedWithoutAdmin(SystemExit):
    """Raised at start-up: a non-loopback backend host and no admin account."""


def check_start(backend_host: str) -> None:
    """Refuse to serve the network with nobody to sign in as admin."""
    if is_loopback(backend_host) or accounts.any_admin():
        return
    raise ExposedWithoutAdmin(
        f"upload_demo: refusing to listen on {backend_host} without an admin account: anyone "
        "on the network could read and delete every file. Create one first:\n"
        f"    {FIRST_ADMIN_COMMAND}\n"
        "(or listen on 127.0.0.1 only)."
    )
