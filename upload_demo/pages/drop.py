"""/drop/<token>: a drop link's page, where someone without an account uploads files.

The visitor has no session: the page's on_load grants this tab the link
(``sessions.grant_tab``), which is all the access guard lets it upload with, and
only to this page's handler (``via_drop_link``). Each upload asks the link again
(revoked or expired since the page loaded: refused) and is narrowed to what the
link has left. The visitor sees the files of this visit only: their stored names
live in a backend var, never sent to the browser, and nothing else is listed.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

import reflex as rx

from upload_demo import access, drop_links, policy, routes, sessions
from upload_demo.access_state import current_viewer
from upload_demo.components.file_views import file_list, section
from upload_demo.components.layout import minimal_layout
from upload_demo.components.upload_panel import upload_panel
from upload_demo.file_view import FileView, from_record
from upload_demo.ingest import Outcome, Uploader
from upload_demo.policy import UploadPolicy
from upload_demo.upload_state import StreamingUploadPageState

#: The route's dynamic segment (``/drop/[drop_token]``).
PATH_PREFIX = "/drop/"


def token_in(path: str) -> str:
    """The link's token in the page's path, or ""."""
    path = path.rstrip("/")
    return path[len(PATH_PREFIX) :] if path.startswith(PATH_PREFIX) else ""


class DropState(StreamingUploadPageState, rx.State):
    """One drop link's page: its label and limits, its uploads, this visit's files."""

    policy: ClassVar[UploadPolicy] = policy.DROP
    upload_id: ClassVar[str] = "drop"
    items_limit: ClassVar[int] = 100
    via_drop_link: ClassVar[bool] = True

    label: rx.Field[str] = rx.field(default="")
    link_limits: rx.Field[str] = rx.field(default="")
    #: Why the link takes nothing (unknown, revoked, expired); "" while it is open.
    refused: rx.Field[str] = rx.field(default="")
    link_loaded: rx.Field[bool] = rx.field(default=False)
    # Backend-only (the leading _): never sent to the browser.
    _link_id: rx.Field[int] = rx.field(default=0)
    _mine: rx.Field[list[str]] = rx.field(default_factory=list)

    @rx.var
    def link_open(self) -> bool:
        """The dropzone shows only while the link takes files."""
        return self.link_loaded and self.refused == ""

    @rx.event
    async def load_items(self) -> None:
        """on_load: look the link up by the URL's token; grant the tab it, or say why not."""
        client_token = self.router.session.client_token
        link = await asyncio.to_thread(drop_links.by_token, token_in(self.router.url.path))
        self.refused = drop_links.refusal(link)
        self.link_loaded = True
        if link is None or link.id is None:
            self.label = self.link_limits = ""
            self._forget_visit(0)
            await asyncio.to_thread(sessions.revoke_tab, client_token)
            return
        self.label = link.label
        self.link_limits = drop_links.limits_text(link)
        self._forget_visit(link.id)
        if self.refused:
            await asyncio.to_thread(sessions.revoke_tab, client_token)
        else:
            await asyncio.to_thread(sessions.grant_tab, client_token, drop_link_id=link.id)
        await self._refresh_items()

    def _forget_visit(self, link_id: int) -> None:
        """Another link in the same tab starts a new visit (its files are not listed)."""
        if link_id != self._link_id:
            self._link_id = link_id
            self._mine = []
            self.items = []
            self.outcomes = []

    def _remember(self, outcomes: list[Outcome]) -> None:
        """Keep the stored names of this visit's files: the only ones it lists."""
        fresh = [o.stored_name for o in outcomes if o.stored and o.stored_name]
        self._mine = [*self._mine, *(n for n in fresh if n not in self._mine)]

    async def _newest_items(self, fresh: list[Outcome] | None = None) -> list[FileView]:
        """This visit's files through this link, with signed previews."""
        names = [*self._mine, *(o.stored_name for o in fresh or [] if o.stored)]
        if not self._link_id or not names:
            return []
        rows = await asyncio.to_thread(drop_links.visit_files, self._link_id, names)
        return [from_record(row, self.label) for row in rows[: self.items_limit]]

    async def _upload_as(self) -> tuple[Uploader, UploadPolicy] | str:
        """The link as it is now (revoked or expired since the page loaded: refused).

        A tab without a session uploads only with its grant of this very link.
        """
        link_id = self._link_id
        if not link_id:
            return "this drop link does not exist"
        if await current_viewer(self) is None:
            client_token = self.router.session.client_token
            _, granted = await asyncio.to_thread(sessions.tab_grant, client_token)
            if granted != link_id:
                return "open the drop link again to upload"
        link = await asyncio.to_thread(drop_links.get, link_id)
        if link is None:
            return drop_links.refusal(None).rstrip(".")
        used = await asyncio.to_thread(drop_links.usage, link_id)
        allowed = drop_links.allowance(link, used, self.policy)
        if isinstance(allowed, str):
            self.refused = drop_links.refusal(link)
            # The panel writes "Failed: <reason>." itself.
            return allowed.rstrip(".")
        return Uploader(access.VIA_DROP_LINK, link_id), allowed


def _closed() -> rx.Component:
    return rx.callout(
        DropState.refused,
        icon="ban",
        color_scheme="red",
        # Red-11 on red-3 is under 4.5:1 in the light theme.
        high_contrast=True,
        role="alert",
        width="100%",
        class_name="drop-refusal",
    )


def _open() -> rx.Component:
    return rx.vstack(
        rx.text(DropState.link_limits, size="3", class_name="drop-limits"),
        upload_panel(DropState),
        section(
            "Your files from this visit",
            file_list(DropState.items, "Nothing uploaded in this visit yet."),
        ),
        width="100%",
        spacing="4",
    )


def drop_page() -> rx.Component:
    """The link's label, its limits, the dropzone and this visit's files; or why it is closed."""
    return minimal_layout(
        rx.heading(
            rx.cond(DropState.label != "", DropState.label, "Drop link"),
            size="8",
            as_="h1",
        ),
        rx.text(
            "Someone asked you for files. Upload them here; you will see only what you "
            "upload in this visit.",
            size="4",
            color_scheme="gray",
        ),
        rx.cond(
            DropState.link_loaded,
            rx.cond(DropState.link_open, _open(), _closed()),
            rx.text("Opening the link…", color_scheme="gray"),
        ),
        source=routes.DROP.source,
    )
