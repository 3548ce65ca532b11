"""The admin page's State: accounts and drop links, for admins only.

Every handler asks the database who the tab is (``current_viewer``) before it
reads or changes anything: the page hiding its controls from a member is
courtesy, this is the check. Passwords arrive as event arguments (the forms'
data) and go straight to ``accounts``; no field of this State ever holds one.
The page itself is pages/admin.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

import reflex as rx

from upload_demo import accounts, drop_links
from upload_demo.access import Viewer
from upload_demo.access_state import current_viewer
from upload_demo.accounts import AccountError
from upload_demo.drop_links import LinkError
from upload_demo.models import ADMIN, Account, DropLink
from upload_demo.policy import MB

NOT_ADMIN = "Only admins manage accounts and links."

#: The expiry units the link form offers, in hours.
EXPIRY_UNITS: dict[str, int] = {"hours": 1, "days": 24}


@dataclasses.dataclass
class AccountView:
    """An account as the table shows it (never its hash)."""

    name: str
    role: str
    created_text: str
    last_sign_in_text: str
    disabled: bool


@dataclasses.dataclass
class LinkView:
    """A drop link as the list shows it."""

    id: int
    label: str
    url: str
    status: str
    usage_text: str
    expires_text: str
    created_text: str
    created_by: str


def _when(moment: datetime.datetime | None, never: str = "never") -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else never


def account_view(account: Account) -> AccountView:
    """The table's row for an account."""
    return AccountView(
        name=account.name,
        role=account.role,
        created_text=_when(account.created_at),
        last_sign_in_text=_when(account.last_sign_in_at),
        disabled=account.disabled,
    )


def link_view(link: DropLink, origin: str) -> LinkView:
    """The list's entry for a link, with its full URL and what it has taken (one query)."""
    assert link.id is not None
    return LinkView(
        id=link.id,
        label=link.label,
        url=f"{origin}/drop/{link.token}",
        status=drop_links.status(link),
        usage_text=drop_links.usage_text(link, drop_links.usage(link.id)),
        expires_text=_when(link.expires_at, "no expiry"),
        created_text=_when(link.created_at),
        created_by=link.created_by,
    )


def _positive(raw: str, what: str) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise LinkError(f"{what} is a number") from None
    if not value > 0 or value == float("inf"):
        raise LinkError(f"{what} is more than 0")
    return value


def link_settings(
    form: Mapping[str, Any], now: datetime.datetime
) -> tuple[str, datetime.datetime | None, int | None, int | None]:
    """(label, expiry, max files, max bytes) from the link form; LinkError if one is wrong."""
    expiry = _positive(str(form.get("expires_in", "")), "the expiry")
    unit = EXPIRY_UNITS.get(str(form.get("expiry_unit", "days")), 24)
    max_files = _positive(str(form.get("max_files", "")), "the file limit")
    max_mb = _positive(str(form.get("max_mb", "")), "the size limit")
    if max_files is not None and max_files != int(max_files):
        raise LinkError("the file limit is a whole number")
    if expiry is not None and expiry * unit > 24 * 366 * 10:
        raise LinkError("the expiry is at most ten years")
    return (
        str(form.get("label", "")),
        now + datetime.timedelta(hours=expiry * unit) if expiry is not None else None,
        int(max_files) if max_files is not None else None,
        max(1, int(max_mb * MB)) if max_mb is not None else None,
    )


class AdminState(rx.State):
    """Accounts and drop links, and what the last action on each came to."""

    allowed: rx.Field[bool] = rx.field(default=False)
    loaded: rx.Field[bool] = rx.field(default=False)
    me: rx.Field[str] = rx.field(default="")
    accounts: rx.Field[list[AccountView]] = rx.field(default_factory=list)
    links: rx.Field[list[LinkView]] = rx.field(default_factory=list)
    account_message: rx.Field[str] = rx.field(default="")
    account_failed: rx.Field[bool] = rx.field(default=False)
    link_message: rx.Field[str] = rx.field(default="")
    link_failed: rx.Field[bool] = rx.field(default=False)

    async def _admin(self) -> Viewer | None:
        """The viewer if they manage accounts; else the page is emptied and None."""
        viewer = await current_viewer(self)
        self.loaded = True
        if viewer is None or not viewer.may_manage or viewer.identity is None:
            self.allowed = False
            self.me = ""
            self.accounts, self.links = [], []
            self.account_message = self.link_message = ""
            return None
        self.allowed = True
        self.me = viewer.identity.name
        return viewer

    async def _reload(self) -> None:
        origin = self.router.url.origin
        rows, links = await asyncio.gather(
            asyncio.to_thread(accounts.all_accounts), asyncio.to_thread(drop_links.all_links)
        )
        self.accounts = [account_view(row) for row in rows]
        self.links = await asyncio.to_thread(lambda: [link_view(link, origin) for link in links])

    def _account_said(self, message: str, failed: bool = False) -> None:
        self.account_message, self.account_failed = message, failed

    def _link_said(self, message: str, failed: bool = False) -> None:
        self.link_message, self.link_failed = message, failed

    @rx.event
    async def load(self) -> None:
        """on_load: the accounts and links, for an admin only."""
        if await self._admin() is None:
            return
        self.account_message = self.link_message = ""
        await self._reload()

    # --- accounts -------------------------------------------------------------

    @rx.event
    async def add_account(self, form: dict[str, Any]) -> None:
        """Create an account from the form; its password goes straight to accounts.create."""
        if await self._admin() is None:
            return
        name, role = str(form.get("name", "")), str(form.get("role", "member"))
        try:
            made = await asyncio.to_thread(
                accounts.create, name, str(form.get("password", "")), role
            )
        except AccountError as error:
            self._account_said(f"Not added: {error}.", failed=True)
        else:
            self._account_said(f"Added {made.name} ({made.role}); they can sign in now.")
        await self._reload()

    @rx.event
    async def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable an account (its sessions end) or enable it again."""
        if await self._admin() is None:
            return
        if disabled and name == self.me:
            self._account_said(
                "You cannot disable your own account: another admin has to.", failed=True
            )
            return
        try:
            await asyncio.to_thread(accounts.set_disabled, name, disabled)
        except AccountError as error:
            self._account_said(f"Not changed: {error}.", failed=True)
        else:
            self._account_said(f"{name} is {'disabled' if disabled else 'enabled again'}.")
        await self._reload()

    @rx.event
    async def set_role(self, name: str, role: str) -> None:
        """Make an account an admin or a member."""
        if await self._admin() is None:
            return
        if name == self.me and role != ADMIN:
            self._account_said(
                "You cannot drop your own admin role: another admin has to.", failed=True
            )
            return
        try:
            await asyncio.to_thread(accounts.set_role, name, role)
        except AccountError as error:
            self._account_said(f"Not changed: {error}.", failed=True)
        else:
            self._account_said(f"{name} is now {'an admin' if role == ADMIN else 'a member'}.")
        await self._reload()

    @rx.event
    async def set_password(self, form: dict[str, Any]) -> None:
        """A new password for an account (from its row's form); its sessions end."""
        if await self._admin() is None:
            return
        name = str(form.get("name", ""))
        try:
            await asyncio.to_thread(accounts.set_password, name, str(form.get("password", "")))
        except AccountError as error:
            self._account_said(f"Password not changed: {error}.", failed=True)
        else:
            self._account_said(f"New password set for {name}; their sessions ended.")

    # --- drop links -------------------------------------------------------------

    @rx.event
    async def create_link(self, form: dict[str, Any]) -> None:
        """A new drop link from the form."""
        viewer = await self._admin()
        if viewer is None:
            return
        try:
            label, expires_at, max_files, max_bytes = link_settings(
                form, datetime.datetime.now(datetime.UTC)
            )
            link = await asyncio.to_thread(
                drop_links.create, label, viewer.uploader, expires_at, max_files, max_bytes
            )
        except LinkError as error:
            self._link_said(f"No link made: {error}.", failed=True)
            return
        self._link_said(f"Made the link “{link.label}”: copy it below and send it.")
        await self._reload()

    @rx.event
    async def revoke_link(self, link_id: int) -> None:
        """The link takes nothing more (after the dialog's confirmation); its files stay."""
        if await self._admin() is None:
            return
        link = await asyncio.to_thread(drop_links.get, link_id)
        if link is None:
            self._link_said("There is no such link.", failed=True)
            return
        await asyncio.to_thread(drop_links.revoke, link_id)
        self._link_said(f"Revoked “{link.label}”: it accepts no more files.")
        await self._reload()
