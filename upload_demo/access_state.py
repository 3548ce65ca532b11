"""Who the tab belongs to, for the pages: the viewer's name and role, and the sign-in redirect.

The session cookie is HttpOnly, so the browser's JavaScript never sees it; the
backend reads it from the headers the tab's websocket connected with
(``router.headers.cookie``, which Reflex keeps out of the state it sends). Every
handler that reads or changes files asks ``current_viewer`` itself, against the
database, so a session that ended (sign-out elsewhere, disabled account, idle
timeout) ends for the next event too. This State holds only what the page shows:
never the token, never a hash.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import reflex as rx

from upload_demo import access, sessions
from upload_demo.access import Viewer

SIGN_IN_PAGE = "/sign-in"


def _token(state: rx.State) -> str:
    return access.cookie_token(state.router.headers.cookie)


async def current_viewer(state: rx.State) -> Viewer | None:
    """The tab's viewer; None when the app has accounts and this tab is not signed in."""
    return await asyncio.to_thread(access.viewer, _token(state))


def sign_in_redirect(state: rx.State) -> Any:
    """To the sign-in page, coming back to this page afterwards."""
    here = state.router.url.path or "/"
    query = state.router.url.query or ""
    target = f"{here}?{query}" if query else here
    return rx.redirect(f"{SIGN_IN_PAGE}?next={quote(target, safe='')}")


class AccessState(rx.State):
    """The signed-in viewer, as the nav bar and the pages' controls show it."""

    viewer_name: rx.Field[str] = rx.field(default="")
    viewer_role: rx.Field[str] = rx.field(default="")
    #: No accounts yet: everything is open (on loopback only), as the home page says.
    open_access: rx.Field[bool] = rx.field(default=True)

    @rx.var
    def signed_in(self) -> bool:
        """Whether a session is open in this tab."""
        return self.viewer_name != ""

    @rx.var
    def may_delete(self) -> bool:
        """Admins delete (everyone does in the open app)."""
        return self.open_access or self.viewer_role == "admin"

    @rx.var
    def may_manage(self) -> bool:
        """Accounts and drop links are managed by admins."""
        return self.viewer_role == "admin"

    def _show(self, viewer: Viewer | None) -> None:
        identity = viewer.identity if viewer is not None else None
        self.open_access = viewer is not None and viewer.is_open
        self.viewer_name = identity.name if identity is not None else ""
        self.viewer_role = identity.role if identity is not None else ""

    @rx.event
    async def check(self) -> Any:
        """on_load of every signed-in page: who is this, may the tab upload, else sign in."""
        token = _token(self)
        viewer = await asyncio.to_thread(access.viewer, token)
        self._show(viewer)
        client_token = self.router.session.client_token
        if viewer is None:
            await asyncio.to_thread(sessions.revoke_tab, client_token)
            return sign_in_redirect(self)
        if viewer.identity is not None:
            await asyncio.to_thread(sessions.grant_tab, client_token, token)
        return None

    @rx.event
    async def show_viewer(self) -> None:
        """on_load of the pages anyone may see (sign-in, drop links): no redirect."""
        self._show(await asyncio.to_thread(access.viewer, _token(self)))
