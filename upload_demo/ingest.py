"""The server side of one upload: policy check, then storage, then record.

Each file of a batch gets its own Outcome; a refused file leaves nothing
behind and does not stop the good files beside it. Everything here blocks
(disk and database): the upload handler runs it in a worker thread.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from pathlib import Path
from typing import BinaryIO

from upload_demo import records, storage
from upload_demo.filetypes import HEAD_SIZE
from upload_demo.models import StoredFile
from upload_demo.policy import Rejected, UploadPolicy

logger = logging.getLogger(__name__)

#: Longest original name we keep (file systems allow 255 bytes).
MAX_NAME_LENGTH = 255


@dataclasses.dataclass
class Incoming:
    """A received file, independent of the web framework that received it."""

    name: str
    stream: BinaryIO
    declared_size: int | None = None


@dataclasses.dataclass
class Outcome:
    """What happened to one file, as the page shows it."""

    name: str
    stored: bool
    message: str
    stored_name: str = ""
    kind: str = ""
    size: int = 0


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


def _read_head(stream: BinaryIO) -> bytes:
    head = b""
    while len(head) < HEAD_SIZE:
        chunk = stream.read(HEAD_SIZE - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _store_one(
    item: Incoming, index: int, policy: UploadPolicy, directory: Path, total: int
) -> Outcome:
    name = display_name(item.name)
    policy.check_position(index)
    policy.check_declared_size(item.declared_size, total)
    head = _read_head(item.stream)
    file_type = policy.check_type(head)
    room = min(policy.max_file_size, policy.max_total_size - total)
    try:
        blob = storage.write_stream(
            item.stream, directory, file_type.extension, max_bytes=room, head=head
        )
    except storage.TooLarge as exc:
        # The declared size lied (or was absent): the count while copying decides.
        if exc.limit == policy.max_file_size:
            raise policy.too_large() from None
        raise policy.over_total() from None
    record = records.commit_or_discard(
        StoredFile(
            original_name=name,
            stored_name=blob.name,
            kind=file_type.kind,
            content_type=file_type.mime,
            size=blob.size,
            sha256=blob.sha256,
            source_page=policy.page,
        ),
        directory,
    )
    return Outcome(
        name=name,
        stored=True,
        message=f"stored as {file_type.label}",
        stored_name=record.stored_name,
        kind=record.kind,
        size=record.size,
    )


def ingest_batch(items: list[Incoming], policy: UploadPolicy, directory: Path) -> list[Outcome]:
    """Check, store and record each file; one Outcome per file, in order."""
    outcomes: list[Outcome] = []
    total = 0
    for index, item in enumerate(items):
        try:
            outcome = _store_one(item, index, policy, directory, total)
        except Rejected as exc:
            outcome = Outcome(name=display_name(item.name), stored=False, message=str(exc))
        except Exception:
            logger.exception("storing %r failed", display_name(item.name))
            outcome = Outcome(
                name=display_name(item.name),
                stored=False,
                message="could not be stored because of a server error; nothing was kept",
            )
        total += outcome.size
        outcomes.append(outcome)
    return outcomes
