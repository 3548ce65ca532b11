"""The shared State of every upload page: progress, cancel, outcomes, results.

A page's State mixes this in and names its UploadPolicy and upload id; the
handlers here do the rest. Nothing in this module knows about any page.

The browser starts an upload without waiting for it and only logs a failed
request to its console, so the page cannot learn of a failure from the
request itself. ``watch_upload`` therefore asks the browser, while an upload
runs, whether its request is still open; a request that closed without the
handler reporting back is a failed upload. When the failure is the upload
guard's 413 (the request was over the page's total), the guard reports the
reason as an ``upload_refused`` event (see upload_demo.py) and the page shows
that instead.

Every upload carries an attempt number, chosen by the page (its current
``attempt`` + 1) and sent both with ``begin_upload`` (over the websocket) and
with the upload request (over HTTP, as a handler argument and the
``Upload-Attempt`` header). The two travel unordered, so whichever reaches the
State first starts the attempt, and the late ``begin_upload`` is ignored: a
tiny upload handled before its ``begin_upload`` is not reset and then
reported as failed, and a refusal is never overwritten by the reset.

The buffered State and its streaming variant stay in this one module (under
400 lines): both follow that protocol, which reads best whole.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from upload_demo import chunked, file_rows, stores
from upload_demo.dropzone_state import DropzonePageState, describe_files
from upload_demo.file_rows import FileRow, Rejection, SelectedFile
from upload_demo.guard import ATTEMPT_HEADER
from upload_demo.ingest import Incoming, Outcome
from upload_demo.ingest_pool import POOL, ingest_in_pool
from upload_demo.reflex_internals import selected_file_objects, upload_request_open_js
from upload_demo.units import human_bytes, human_duration, plural

#: How often the watcher checks that a running upload's request is still open.
WATCH_INTERVAL_S = 1.0

FAILED_REQUEST = (
    "the upload request did not complete (the connection was lost or the server "
    "refused it); nothing was stored"
)


class UploadPageState(DropzonePageState, mixin=True):
    """Mixed into each upload page's State; see the module docstring."""

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    loaded: rx.Field[int] = rx.field(default=0)
    total: rx.Field[int] = rx.field(default=0)
    started_at: rx.Field[float] = rx.field(default=0.0)
    last_progress_at: rx.Field[float] = rx.field(default=0.0)
    failure: rx.Field[str] = rx.field(default="")
    #: The files the running (or last) upload sends, and those the browser refused of them.
    batch: rx.Field[list[SelectedFile]] = rx.field(default_factory=list)
    batch_refused: rx.Field[list[Rejection]] = rx.field(default_factory=list)

    # --- derived values ---------------------------------------------------

    @rx.var
    def percent(self) -> int:
        """Progress in whole percent; a finished upload shows 100."""
        if self.status == "done":
            return 100
        if self.total <= 0:
            return 0
        return min(100, int(self.loaded * 100 / self.total))

    @rx.var
    def progress_text(self) -> str:
        """Percent, bytes sent of total, speed and time left."""
        if self.status == "idle":
            return "No upload yet."
        if self.total <= 0:
            if self.status == "cancelled":
                return "Cancelled before the browser reported any bytes sent."
            return "Starting…"
        sent = f"{self.percent}% · {human_bytes(self.loaded)} of {human_bytes(self.total)}"
        if self.status == "cancelled":
            return f"Cancelled at {sent}"
        elapsed = self.last_progress_at - self.started_at
        if self.status != "uploading" or elapsed <= 0 or self.loaded <= 0:
            return sent
        speed = self.loaded / elapsed
        left = (self.total - self.loaded) / speed
        if self.loaded >= self.total:
            return f"{sent} · {human_bytes(speed)}/s · processing on the server…"
        return f"{sent} · {human_bytes(speed)}/s · {human_duration(left)} left"

    @rx.var
    def file_rows(self) -> list[FileRow]:
        """The one file list: the last upload's files, the refusals, the next selection."""
        upload = file_rows.Upload(self.status, self.batch, self.loaded, self.total, self.outcomes)
        rows = file_rows.upload_rows(upload)
        if self.status != "idle":
            rows += file_rows.refusal_rows(self.batch_refused, dismissable=False, prefix="sent")
        return rows + self.selection_rows

    @rx.var
    def announcement(self) -> str:
        """What a screen reader hears (the panel's aria-live region): coarse steps only."""
        if self.status == "uploading":
            sent = plural(len(self.batch), "file")
            if self.total and self.loaded >= self.total:
                return f"Uploading {sent}: all sent, processing on the server."
            return f"Uploading {sent}: {self.percent // 10 * 10}% sent."
        if self.status in ("done", "cancelled", "failed"):
            each = " ".join(f"{o.name}: {o.message}." for o in self.outcomes)
            return f"{self.status_text} {each}".strip()
        return ""

    @rx.var
    def status_text(self) -> str:
        """The upload's final (or current) state in words."""
        stored = sum(1 for o in self.outcomes if o.stored)
        repeats = sum(1 for o in self.outcomes if o.repeat)
        refused = len(self.outcomes) - stored - repeats
        if self.status == "uploading":
            return "Uploading…"
        if self.status == "done":
            already = f", {repeats} already stored" if repeats else ""
            return f"Done: {stored} stored{already}, {refused} rejected."
        if self.status == "cancelled":
            if stored:
                return f"Cancelled: {plural(stored, 'file')} stored before the Cancel, no more."
            return "Cancelled: nothing was stored."
        if self.status == "failed":
            return f"Failed: {self.failure}."
        return ""

    # --- hooks ---------------------------------------------------------------

    def _remember(self, outcomes: list[Outcome]) -> None:
        """Note an upload's outcomes, under the state's lock (a drop link's page keeps its visit's).

        Called for every upload that stored anything, cancelled or stale ones too.
        """

    def _forget_last_upload(self) -> None:
        self.status = "idle"
        self.batch = []
        self.batch_refused = []
        self.outcomes = []
        self.loaded = self.total = 0

    def _refuse(self, reason: str) -> None:
        self.status = "failed"
        self.failure = reason

    @classmethod
    def upload_handler(cls) -> Any:
        """The handler the upload request runs: the guard knows the page by its name."""
        return cls.handle_upload

    @classmethod
    def send_files(cls, attempt: Any, **options: Any) -> Any:
        """The event that sends the dropzone's files to ``upload_handler``."""
        # Reflex types an upload spec only as a handler's sole argument, not beside `attempt`.
        return cls.handle_upload(rx.upload_files(**options), attempt)  # pyright: ignore[reportArgumentType]

    @classmethod
    def start_events(cls, files: rx.Var | None = None) -> list[Any]:
        """Reset the panel, then send the files (whole, or as chunks: ``send_files``).

        Both events carry the same new attempt number (see the module docstring),
        and the request names it in a header too, so the upload guard's refusal finds it.
        ``files``: the ``File`` objects sent, when they are not the selection (a drop
        on a one-step page); their names and sizes go with ``begin_upload``.
        """
        attempt = cls.attempt + 1
        options: dict[str, Any] = {
            "upload_id": cls.upload_id,
            "on_upload_progress": cls.on_progress,
            "extra_headers": {ATTEMPT_HEADER: attempt.to_string()},
        }
        sent = files if files is not None else selected_file_objects(cls.upload_id)
        return [
            # Reflex types NumberVar[int] + 1 as a NumberVar of int | float | Decimal.
            cls.begin_upload(attempt, describe_files(sent)),  # pyright: ignore[reportArgumentType]
            cls.send_files(attempt, **options),
        ]

    # --- the upload itself --------------------------------------------------

    def _start(self, attempt: int, chosen: list[SelectedFile] | None = None) -> None:
        self.status = "uploading"
        self.attempt = attempt
        # What this request sends: as begin_upload says, else the selection as last reported.
        self.batch = self.selected if chosen is None else chosen
        self.batch_refused = self.rejections
        self.rejections = []
        self.loaded = self.total = 0
        self.started_at = self.last_progress_at = time.time()
        self.failure = ""
        self.outcomes = []

    def _join(self, attempt: int) -> bool:
        """Start ``attempt`` if this is the first news of it; False if it is stale.

        ``attempt`` 0 means "not numbered" (a client that is not the page, such as
        a script): it belongs to whatever upload is current.
        """
        if attempt > self.attempt:
            self._start(attempt)
        return attempt == 0 or attempt == self.attempt

    @rx.event
    def begin_upload(self, attempt: int = 0, chosen: list[dict[str, Any]] | None = None) -> Any:
        """Reset the panel for a new upload and start the watcher.

        ``chosen``: the names and sizes of the files sent. Ignored when the upload's
        own result or refusal got here first, but for the files' names and sizes.
        """
        files = self._describe(chosen or [])
        if attempt and attempt <= self.attempt:
            if attempt == self.attempt and not self.batch:
                self.batch = files
            return None
        self._start(attempt or self.attempt + 1, files)
        return type(self).watch_upload

    @rx.event
    def on_progress(self, progress: dict[str, Any]) -> None:
        """Progress from the browser, also after a Cancel: it says how far the upload got.

        The browser sends no progress once the request is aborted, so an event
        reaching a cancelled upload was on its way before the abort. A finished
        upload keeps the figures of its full request.
        """
        if self.status not in ("uploading", "cancelled"):
            return
        self.loaded = int(progress.get("loaded", 0))
        self.total = int(progress.get("total", 0))
        self.last_progress_at = time.time()

    @rx.event
    def cancel(self) -> Any:
        """Abort the request; the server never runs the handler for it."""
        if self.status != "uploading":
            return None
        self.status = "cancelled"
        return rx.cancel_upload(self.upload_id)

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile], attempt: int = 0) -> Any:
        """Check, store and record every file, then show each file's outcome.

        Starlette has already spooled the files to temporary files; they are
        copied from there in chunks in the ingest pool's threads (ingest_pool.py),
        never read whole. A request from an earlier attempt was cancelled: it
        stores nothing.
        """
        if not self._join(attempt) or self.status == "cancelled":
            return None
        if not files:
            # A drop where the browser refused every file still fires on_drop.
            self.status = "idle"
            return None
        upload_as = await self._upload_as()
        if isinstance(upload_as, str):
            self._refuse(upload_as)
            return self._resend()
        by, policy = upload_as
        incoming = [Incoming(str(f.path or ""), f.file, f.size) for f in files]
        outcomes = await ingest_in_pool(incoming, policy, stores.configured(), by)
        self._remember(outcomes)
        self._finish(outcomes, sum(f.size or 0 for f in files))
        await self._refresh_items()
        return [rx.clear_selected_files(self.upload_id), self._resend()]

    def _resend(self) -> Any:
        """Have the browser ask for the upload's final state again, over the websocket.

        The handler's result reaches the browser in the upload request's response;
        an event handled while the upload ran (``begin_upload``, a refusal noted
        beside it) answers over the websocket, and on a busy machine that answer
        can arrive last and show a finished upload as still sending. A backend
        event returned from here would answer in the upload's response too; a
        browser call whose callback is ``resend_result`` is answered after every
        earlier websocket update.
        """
        # self.__class__, not type(self): a background handler's self is a proxy of the State.
        return rx.call_script("true", callback=self.__class__.resend_result)

    @rx.event
    def resend_result(self, _answer: Any = None) -> None:
        """Send the status and everything derived from it (reassigning marks it changed)."""
        self.status = self.status

    def _finish(self, outcomes: list[Outcome], sent: int) -> None:
        self.outcomes = outcomes
        self.status = "done"
        # The last progress event may arrive after this; the panel shows the full request.
        self.total = max(self.total, sent)
        self.loaded = self.total
        # The handler clears the browser's selection next: never list the sent files as queued.
        self.selected = []

    @rx.event(background=True)
    async def watch_upload(self) -> Any:
        """Mark the upload failed if its request ends without a result."""
        state_cls = self.__class__
        async with self:
            attempt = self.attempt
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            async with self:
                if self.status != "uploading" or self.attempt != attempt:
                    return
            yield rx.call_script(
                upload_request_open_js(state_cls.upload_id),
                callback=state_cls.request_open,
            )

    @rx.event
    def request_open(self, is_open: bool) -> None:
        """The browser's answer to ``watch_upload``."""
        if not is_open and self.status == "uploading":
            self.status = "failed"
            self.failure = FAILED_REQUEST

    @rx.event
    def upload_refused(self, reason: str, attempt: int = 0) -> None:
        """The upload guard refused this upload's request (413): show its reason.

        It may arrive before ``begin_upload`` or after the watcher has marked
        the upload failed for want of a reason; either way the reason wins.
        """
        if self._join(attempt) and self.status in ("uploading", "failed"):
            self.status = "failed"
            self.failure = reason


class StreamingUploadPageState(UploadPageState, mixin=True):
    """An upload page whose files stream through ``rx.upload_files_chunk``.

    Nothing is spooled before the handler runs: it writes the chunks to disk
    as they arrive (see chunked.py), so a file's size costs no memory.
    """

    @classmethod
    def upload_handler(cls) -> Any:
        """The streaming handler, not the buffered one."""
        return cls.handle_chunks

    @classmethod
    def send_files(cls, attempt: Any, **options: Any) -> Any:
        """The files as chunks, through ``rx.upload_files_chunk``."""
        # Reflex types an upload spec only as a handler's sole argument, not beside `attempt`.
        return cls.handle_chunks(rx.upload_files_chunk(**options), attempt)  # pyright: ignore[reportArgumentType]

    @rx.event(background=True)
    async def handle_chunks(self, chunk_iter: rx.UploadChunkIterator, attempt: int = 0) -> Any:
        """Store the files as their chunks arrive, then show each file's outcome.

        A stale or cancelled attempt returns at once (Reflex then answers 400 and
        reads no more). If the client goes away, Reflex cancels this task and
        chunked.py removes the partial file; the page's own Cancel or watcher
        shows the state. A Cancel that came too late to abort the request is
        seen before each file is kept: nothing more is kept from then on.
        """
        async with self:
            if not self._join(attempt) or self.status == "cancelled":
                return None
            upload_as = await self._upload_as()
            if isinstance(upload_as, str):
                self._refuse(upload_as)
                return self._resend()
        by, policy = upload_as

        async def still_wanted() -> bool:
            async with self:
                return self.status != "cancelled"

        store = stores.configured()
        outcomes = await chunked.receive(chunk_iter, policy, store, POOL, still_wanted, by)
        # Read before taking the state's lock, which other events of this tab wait on.
        items = await self._newest_items(outcomes)
        async with self:
            self._remember(outcomes)
            if attempt and attempt != self.attempt:
                return None
            self.items = items
            if self.status == "cancelled":
                # Files kept before the Cancel are stored all the same: say so.
                self.outcomes = [o for o in outcomes if o.stored]
                return None
            self._finish(outcomes, sum(o.size for o in outcomes))
        return [rx.clear_selected_files(self.upload_id), self._resend()]
