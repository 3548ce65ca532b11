"""The State of /resumable: each file's tus upload as the browser reports it, then its outcome.

The browser does the sending (components/resumable_uploads.jsx, tus-js-client)
and reports every change of a file: progress, paused, retrying, resuming,
failed, cancelled. The server stores a file before it answers its last PATCH
and writes the outcome to the upload's row (resumable.py); ``file_finished``
reads it from there, so what the page says is what the server did. Unfinished
uploads of the viewer come from the database too: after a reload, the page
lists them, and choosing the same file again resumes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from typing import Any, ClassVar

import reflex as rx

from upload_demo import policy, resumable
from upload_demo.access_state import current_viewer
from upload_demo.components import resumable_uploads
from upload_demo.dropzone_state import DropzonePageState
from upload_demo.ingest import Outcome
from upload_demo.policy import UploadPolicy
from upload_demo.units import human_bytes

#: States in which a file is still on its way (Cancel applies).
ACTIVE = frozenset({"queued", "sending", "resuming", "retrying", "paused"})
#: A failure the browser may try again (network, server error): Resume applies.
RESUMABLE = frozenset({"paused", "failed"})


@dataclasses.dataclass
class ResumableFile:
    """One file of the page's uploads, as the page shows it."""

    key: str
    name: str
    size: int
    sent: int = 0
    status: str = "queued"
    text: str = ""
    percent: int = 0
    #: Percent the server had when this file resumed (-1: it never had to).
    resumed_at: int = -1
    #: The server refused it for good (a 4xx): no Resume.
    final: bool = False


@dataclasses.dataclass
class UnfinishedView:
    """An upload the server still holds part of, for the "resume it" list."""

    name: str
    text: str


def _percent(sent: int, size: int) -> int:
    return min(100, 100 * sent // size) if size > 0 else 0


def _sent(sent: int, size: int) -> str:
    return f"{_percent(sent, size)}% · {human_bytes(sent)} of {human_bytes(size)}"


def describe(file: ResumableFile, change: dict[str, Any]) -> str:
    """The line under a file's progress bar."""
    status, sent, size = file.status, file.sent, file.size
    resumed = f" · resumed at {file.resumed_at}%" if file.resumed_at >= 0 else ""
    if status == "queued":
        return "waiting to start"
    if status == "sending":
        if size and sent >= size:
            return "100% sent · processing on the server…"
        return f"{_sent(sent, size)}{resumed}"
    if status == "resuming":
        return f"resuming at {file.resumed_at}%"
    if status == "paused":
        return f"paused at {_sent(sent, size)}"
    if status == "retrying":
        wait_ms = int(change.get("retry_in_ms", 0))
        if wait_ms <= 0:
            return f"retrying now · {_sent(sent, size)} sent"
        seconds = max(1, round(wait_ms / 1000))
        return f"connection lost, retrying in {seconds} s · {_sent(sent, size)} sent"
    if status == "cancelled":
        return "cancelled; the server dropped what it had"
    reason = str(change.get("reason", "")) or "the upload failed"
    if file.final:
        return f"refused: {reason}"
    return f"failed: {reason}; press Resume to try again"


def _expires_text(moment: datetime.datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
    return aware.strftime("%Y-%m-%d %H:%M UTC")


class ResumableState(DropzonePageState, rx.State):
    """Resumable uploads: per-file progress, Pause, Resume, Cancel; outcomes from the server."""

    policy: ClassVar[UploadPolicy] = policy.RESUMABLE
    upload_id: ClassVar[str] = "resumable"
    items_limit: ClassVar[int] = 30

    files: rx.Field[list[ResumableFile]] = rx.field(default_factory=list)
    unfinished: rx.Field[list[UnfinishedView]] = rx.field(default_factory=list)

    @rx.var
    def summary(self) -> str:
        """The selection's state in one line, for the page and screen readers."""
        if not self.files:
            return "No upload yet." if self.status == "idle" else "Starting…"
        stored = sum(1 for f in self.files if f.status == "stored")
        on_way = sum(1 for f in self.files if f.status in ACTIVE)
        line = f"{stored} of {len(self.files)} stored"
        return f"{line}, {on_way} on the way" if on_way else f"Done: {line}."

    @classmethod
    def start_events(cls, files: rx.Var | None = None) -> list[Any]:
        """Reset the list, then have the browser send each selected file with tus."""
        return [cls.begin_upload(cls.attempt + 1), resumable_uploads.start(cls.upload_id)]  # pyright: ignore[reportArgumentType]

    @rx.event
    async def load_page(self) -> None:
        """The page's files and the viewer's unfinished uploads, from the database.

        A reload (or leaving the page) stopped the browser's uploads: the list starts
        empty, and what the server holds is listed as unfinished.
        """
        self.files = []
        self.outcomes = []
        self.status = "idle"
        await self.load_items()
        await self._load_unfinished()

    async def _load_unfinished(self) -> None:
        viewer = await current_viewer(self)
        if viewer is None:
            self.unfinished = []
            return
        found = await asyncio.to_thread(resumable.unfinished_of, viewer.uploader, self.policy.page)
        self.unfinished = [
            UnfinishedView(
                name=u.original_name,
                text=(
                    f"{_sent(u.received, u.length)} on the server · "
                    f"kept until {_expires_text(u.expires_at)}"
                ),
            )
            for u in found
        ]

    @rx.event
    def begin_upload(self, attempt: int) -> None:
        """A new selection starts: the list shows its files only."""
        self.attempt = attempt
        self.status = "uploading"
        self.files = []
        self.outcomes = []

    def _settle(self) -> Any:
        """Done once no file is on its way any more; the dropzone is emptied then."""
        if self.status == "uploading" and not any(f.status in ACTIVE for f in self.files):
            self.status = "done"
            return rx.clear_selected_files(self.upload_id)
        if any(f.status in ACTIVE for f in self.files):
            self.status = "uploading"
        return None

    @rx.event
    def file_changed(self, change: dict[str, Any]) -> Any:
        """The browser's news of one file."""
        key = str(change.get("key", ""))
        found = next((f for f in self.files if f.key == key), None)
        if found is None:
            found = ResumableFile(
                key=key, name=str(change.get("name", "")), size=int(change.get("size", 0))
            )
            self.files.append(found)
        if found.status in ("stored", "repeat"):
            return None
        found.status = str(change.get("status", found.status))
        found.sent = int(change.get("sent", found.sent))
        code = int(change.get("code", 0))
        found.final = found.status == "failed" and 400 <= code < 500
        resumed_at = int(change.get("resumed_at", -1))
        if resumed_at >= 0:
            found.resumed_at = _percent(resumed_at, found.size)
        found.percent = _percent(found.sent, found.size)
        found.text = describe(found, change)
        if found.final:
            found.status = "refused"
        self.files = list(self.files)
        return self._settle()

    @rx.event
    async def file_finished(self, done: dict[str, Any]) -> Any:
        """The server has the whole file: show what it did with it (read from the row)."""
        key = str(done.get("key", ""))
        upload_id = str(done.get("url", "")).rstrip("/").rsplit("/", 1)[-1]
        viewer = await current_viewer(self)
        upload = await asyncio.to_thread(resumable.find, upload_id)
        found = next((f for f in self.files if f.key == key), None)
        if viewer is None or upload is None or found is None:
            return None
        if upload.uploaded_by != viewer.uploader or not upload.finished:
            return None
        outcome = Outcome(
            name=upload.original_name,
            stored=upload.stored,
            message=upload.message,
            stored_name=upload.stored_name if upload.stored else "",
            size=upload.length if upload.stored else 0,
            repeat=upload.repeat,
            duplicate_of=upload.stored_name if upload.repeat else "",
        )
        found.status = "stored" if upload.stored else "repeat" if upload.repeat else "refused"
        found.sent, found.percent = found.size, 100
        found.text = (
            upload.message if upload.stored or upload.repeat else f"refused: {upload.message}"
        )
        found.final = True
        self.files = list(self.files)
        self.outcomes = [*self.outcomes, outcome]
        await self._refresh_items()
        await self._load_unfinished()
        return self._settle()
