"""The server side of one upload: policy, storage, duplicates, media, record.

Per file: the policy checks count, size and type; storage copies the bytes
to a temp file, hashing them; a repeat of stored bytes stops there; media
decodes images and videos, measures them and writes a preview (also to a
temp file); only then are the file and its preview published (stores.py:
renamed into the upload dir, or sent to the bucket), and the record is
committed. A refusal, or a failed commit, leaves nothing; a crash before
publishing leaves at most ``.partial-`` temp files (removed when the app
starts), and a crash between publishing and the commit leaves the file and
its preview without a record, which the maintenance check reports (it tells
them from an upload still committing by its lock or lease). Never a record
without its file.

Each file of a batch gets its own Outcome; a refused file leaves nothing
behind and does not stop the good files beside it. Everything here blocks
(disk, decoding, database): the upload handler runs it in a worker thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import unicodedata

import sqlalchemy.exc

from upload_demo import filetypes, folders, media, records, storage
from upload_demo.filetypes import HEAD_SIZE, FileType
from upload_demo.leases import Lease
from upload_demo.models import ANONYMOUS, StoredFile
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.stores import Store

logger = logging.getLogger(__name__)

#: Longest original name we keep (file systems allow 255 bytes).
MAX_NAME_LENGTH = 255


@dataclasses.dataclass
class Incoming:
    """A received file, independent of the web framework that received it."""

    #: As the client sent it, folders and all ("photos/sub/a.png"): the record keeps
    #: the base name as the name and the folders as a label (folders.py).
    name: str
    stream: storage.Readable
    declared_size: int | None = None


@dataclasses.dataclass(frozen=True)
class Uploader:
    """Who a file is recorded as uploaded by (access.Viewer.uploader), and through which link."""

    name: str = ANONYMOUS
    drop_link_id: int | None = None


#: The uploader of a file stored without anyone signed in (the open app, scripts, tests).
NOBODY = Uploader()


@dataclasses.dataclass
class Outcome:
    """What happened to one file, as the page shows it."""

    name: str
    stored: bool
    message: str
    stored_name: str = ""
    kind: str = ""
    size: int = 0
    #: A repeat of stored bytes (nothing new kept).
    repeat: bool = False
    #: The stored name of the file it repeats, to link to ("" where that is not to be shown).
    duplicate_of: str = ""


def display_name(raw: str | None) -> str:
    """The client's file name made safe to show and keep: never used as a path.

    Drops any directory part (either slash style), control and format
    characters, and caps the length.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in {"", ".", ".."}:
        return "(unnamed file)"
    return name[:MAX_NAME_LENGTH]


def server_error(name: str) -> Outcome:
    """The outcome of a file that failed on our side (logged); nothing of it was kept."""
    return Outcome(
        name=name,
        stored=False,
        message="could not be stored because of a server error; nothing was kept",
    )


def _read_head(stream: storage.Readable) -> bytes:
    head = b""
    while len(head) < HEAD_SIZE:
        chunk = stream.read(HEAD_SIZE - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _duplicate(name: str, existing: StoredFile, by: Uploader) -> Outcome:
    """A repeat of stored bytes: the page names the file it repeats and where that came from.

    Not to a drop link's visitor, who may see nothing stored but their own uploads.
    """
    if by.drop_link_id is not None:
        return Outcome(
            name=name, stored=False, message="already stored (nothing new was kept)", repeat=True
        )
    return Outcome(
        name=name,
        stored=False,
        message=f"already stored as {existing.original_name} (from /{existing.source_page})",
        repeat=True,
        duplicate_of=existing.stored_name,
    )


def _publish(
    staged: storage.Staged,
    preview: storage.Staged | None,
    file_type: FileType,
    store: Store,
    lease: Lease | None,
    stop: threading.Event | None,
) -> None:
    """Publish the file, then its preview; never one without the other."""
    store.publish(staged, file_type.mime, lease, stop)
    if preview is not None:
        try:
            store.publish(preview, media.preview_content_type(preview.name), lease, stop)
        except BaseException:
            store.delete(staged.name)
            raise


def _record(
    name: str,
    received: storage.Received,
    file_type: FileType,
    policy: UploadPolicy,
    info: media.MediaInfo | None,
    preview_name: str | None,
    store: Store,
    lease: Lease | None,
    by: Uploader,
    folder: str,
) -> Outcome:
    record = StoredFile(
        original_name=name,
        folder=folder,
        stored_name=received.staged.name,
        kind=file_type.kind,
        content_type=file_type.mime,
        size=received.size,
        sha256=received.sha256,
        source_page=policy.page,
        width=info.width if info else None,
        height=info.height if info else None,
        duration=info.duration if info else None,
        codec=info.codec if info else None,
        preview_name=preview_name,
        uploaded_by=by.name,
        drop_link_id=by.drop_link_id,
    )
    try:
        # On failure this removes the file and its preview.
        records.commit_or_discard(record, store, lease)
    except sqlalchemy.exc.IntegrityError:
        # The same bytes were committed by another upload since the lookup above.
        existing = records.stored_with(received.sha256)
        if existing is not None:
            return _duplicate(name, existing, by)
        raise
    return Outcome(
        name=name,
        stored=True,
        message=f"stored as {file_type.label}",
        stored_name=received.staged.name,
        kind=file_type.kind,
        size=received.size,
    )


def keep(
    name: str,
    received: storage.Received,
    file_type: FileType,
    policy: UploadPolicy,
    store: Store,
    stop: threading.Event | None = None,
    by: Uploader = NOBODY,
    folder: str = "",
) -> Outcome:
    """Decode, publish and record a received file unless it repeats stored bytes.

    ``name`` is the name to record (``display_name``) and ``folder`` the folder
    label (``folders.folder_of``), both already made safe.

    Until the commit is over the published files are claimed, so the
    maintenance check can tell them from what a crash left without a record:
    in a local dir the caller holds the file's temp file open, and the
    preview's stays open here (their writer's locks follow them through the
    rename); in a bucket a lease names them. ``stop``, once set, abandons a
    publish still running (stores.Cancelled).
    """
    existing = records.stored_with(received.sha256)
    if existing is not None:
        return _duplicate(name, existing, by)
    info: media.MediaInfo | None = None
    note = ""
    preview_name = media.preview_name(received.staged.name, file_type)
    with contextlib.ExitStack() as stack:
        preview = None
        if preview_name is not None:
            preview = stack.enter_context(storage.staging(store.staging_dir, preview_name))
            try:
                with preview.writer() as out:
                    allowed = [t for t in media.PILLOW_FORMATS if policy.accepts(t)]
                    info = media.inspect(received.staged.path, file_type, allowed, out)
            except media.AudioOnly:
                # A song in a video container: refused as a video, kept where audio is taken.
                audio = filetypes.AUDIO_IN.get(file_type)
                if audio is None or not policy.accepts(audio):
                    raise
                file_type, preview, preview_name = audio, None, None
                received.staged.name = storage.new_name(audio.extension)
            except media.TooManyPixels as exc:
                # Where any file is taken, a huge picture is a file to keep, left undecoded.
                if not policy.any_type:
                    raise
                preview, preview_name, note = None, None, f" (no thumbnail: {exc})"
        names = (received.staged.name, *([preview.name] if preview is not None else []))
        lease = stack.enter_context(store.claim(names))
        _publish(received.staged, preview, file_type, store, lease, stop)
        outcome = _record(
            name, received, file_type, policy, info, preview_name, store, lease, by, folder
        )
    if outcome.stored:
        outcome.message += note
    return outcome


def _store_one(
    item: Incoming, index: int, policy: UploadPolicy, store: Store, total: int, by: Uploader
) -> Outcome:
    name, folder = display_name(item.name), folders.folder_of(item.name)
    policy.check_position(index)
    policy.check_declared_size(item.declared_size, total)
    head = _read_head(item.stream)
    file_type = policy.check_type(head)
    room = min(policy.max_file_size, policy.max_total_size - total)
    try:
        with storage.receive(
            item.stream, store.staging_dir, file_type.extension, max_bytes=room, head=head
        ) as received:
            return keep(name, received, file_type, policy, store, by=by, folder=folder)
    except storage.TooLarge as exc:
        # The declared size lied (or was absent): the count while copying decides.
        if exc.limit == policy.max_file_size:
            raise policy.too_large() from None
        raise policy.over_total() from None


def ingest_batch(
    items: list[Incoming], policy: UploadPolicy, store: Store, by: Uploader = NOBODY
) -> list[Outcome]:
    """Check, store and record each file; one Outcome per file, in order."""
    outcomes: list[Outcome] = []
    total = 0
    for index, item in enumerate(items):
        try:
            outcome = _store_one(item, index, policy, store, total, by)
        except Rejected as exc:
            outcome = Outcome(name=display_name(item.name), stored=False, message=str(exc))
        except Exception:
            logger.exception("storing %r failed", display_name(item.name))
            outcome = server_error(display_name(item.name))
        total += outcome.size
        outcomes.append(outcome)
    return outcomes
