"""What every page with a dropzone shares, however its files travel.

The Reflex upload pages (upload_state.py) send a selection in one request;
the resumable page (pages/resumable_state.py) sends each file with tus. Both
have a policy, a dropzone id, the browser's refusals, the server's outcomes
and the page's newest files; the shared components (upload_panel.py) read
these. A page says how an upload starts with ``start_events``. Nothing in
this module knows about any page.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from upload_demo import file_rows, ingest, records
from upload_demo.access_state import current_viewer
from upload_demo.file_rows import FileRow, Rejection, SelectedFile
from upload_demo.file_view import FileView, from_record
from upload_demo.folders import folder_of
from upload_demo.ingest import Outcome, Uploader
from upload_demo.policy import UploadPolicy

SIGN_IN_TO_UPLOAD = "sign in to upload; nothing was stored"


class DropzonePageState(rx.State, mixin=True):
    """Mixed into the State of every page with a dropzone; see the module docstring."""

    policy: ClassVar[UploadPolicy]
    upload_id: ClassVar[str]
    #: How many recent files the page lists.
    items_limit: ClassVar[int] = 60
    #: A drop link's page: its uploads need the tab's drop link, not a session.
    via_drop_link: ClassVar[bool] = False

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    status: rx.Field[str] = rx.field(default="idle")
    attempt: rx.Field[int] = rx.field(default=0)
    outcomes: rx.Field[list[Outcome]] = rx.field(default_factory=list)
    rejections: rx.Field[list[Rejection]] = rx.field(default_factory=list)
    #: What the browser holds for the next upload (file_selection.jsx reports each change).
    selected: rx.Field[list[SelectedFile]] = rx.field(default_factory=list)
    items: rx.Field[list[FileView]] = rx.field(default_factory=list)

    @rx.var
    def is_uploading(self) -> bool:
        """True while bytes are in flight or the server is storing them."""
        return self.status == "uploading"

    @rx.var
    def selection_rows(self) -> list[FileRow]:
        """The browser's refusals, then the files selected for the next upload."""
        rows = file_rows.refusal_rows(self.rejections, dismissable=True, prefix="refused")
        if not self.is_uploading:
            rows += file_rows.queued_rows(self.selected)
        return rows

    @classmethod
    def start_events(cls, files: rx.Var | None = None) -> list[Any]:
        """The event chain the Upload button (or a one-step drop) runs."""
        raise NotImplementedError

    # --- page life --------------------------------------------------------

    @rx.event
    async def load_items(self) -> None:
        """Results come from the database, so they survive reloads and restarts."""
        if await current_viewer(self) is None:
            # Signed out: AccessState.check sends the tab to the sign-in page; show nothing.
            self.items = []
            return
        await self._refresh_items()

    async def _refresh_items(self) -> None:
        self.items = await self._newest_items()

    async def _newest_items(self, fresh: list[Outcome] | None = None) -> list[FileView]:
        """The page's newest files (a drop link's page narrows them to its visit).

        ``fresh``: the outcomes of the upload that just ended, which ``_remember``
        may not have seen yet (the streaming handler reads before taking the lock).
        """
        rows = await asyncio.to_thread(records.newest, self.policy.page, self.items_limit)
        return [from_record(row) for row in rows]

    async def _upload_as(self) -> tuple[Uploader, UploadPolicy] | str:
        """Who the upload is recorded as and the policy it must meet, or why it is refused.

        The access guard refused a signed-out upload request already; this asks again
        in the handler, as every handler that changes files does.
        """
        viewer = await current_viewer(self)
        if viewer is None:
            return SIGN_IN_TO_UPLOAD
        return Uploader(viewer.uploader), self.policy

    # --- browser-side rejections ------------------------------------------

    @rx.event
    def note_rejected(self, files: list[dict[str, Any]]) -> None:
        """List the files the browser refused, with reasons from the policy.

        Each add (a drop, a paste, a folder) reports its own refusals: they join
        those listed until the user dismisses them or clears the selection.
        """
        self.rejections = self.rejections + [
            Rejection(
                name=ingest.display_name(str(f.get("name", ""))),
                folder=folder_of(str(f.get("path", ""))),
                reason="; ".join(
                    dict.fromkeys(self.policy.browser_reason(str(c)) for c in f.get("codes", []))
                ),
            )
            for f in files
        ]

    @rx.event
    def dismiss_rejection(self, index: int) -> None:
        """Take one refused file off the list."""
        self.rejections = [r for i, r in enumerate(self.rejections) if i != index]

    @rx.event
    def clear_rejections(self) -> None:
        """Forget the browser's rejections and the last upload's rows (the Clear button)."""
        self.rejections = []
        if not self.is_uploading:
            self._forget_last_upload()

    def _forget_last_upload(self) -> None:
        """Take the last upload's files off the list (a page whose list holds them)."""

    @rx.event
    def selection_changed(self, files: list[dict[str, Any]]) -> None:
        """The browser's selection changed: list its files (names and sizes only)."""
        self.selected = self._describe(files)

    def _describe(self, files: list[dict[str, Any]]) -> list[SelectedFile]:
        """The browser's account of its files (``describe_files``), made safe to show."""
        return [
            SelectedFile(
                name=ingest.display_name(str(f.get("name", ""))),
                folder=folder_of(str(f.get("path", ""))),
                size=max(0, int(f.get("size", 0) or 0)),
                type=str(f.get("type", ""))[:100],
            )
            for f in files[: self.policy.max_files]
            if isinstance(f, dict)
        ]


def describe_files(files: rx.Var) -> rx.Var:
    """[{name, path, size, type}] of a Var of the browser's ``File`` objects: no bytes."""
    return files.to(list).map(
        lambda f: {
            "name": f.to(dict)["name"],
            "path": f.to(dict)["path"],
            "size": f.to(dict)["size"],
            "type": f.to(dict)["type"],
        }
    )
