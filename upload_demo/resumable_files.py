"""The partial file of a resumable upload: its lock, writes at an offset, its hash, its end.

One writer at a time: a PATCH holds an exclusive ``flock`` on the partial
file for as long as it writes (the kernel drops it if the process dies, so a
killed writer never blocks its upload), and a second PATCH meanwhile is told
the upload is locked. When the last byte is in, the same lock carries the
file through ingest (type, duplicates, media, publish, record) like any
staged upload: the partial file is the staged temp file.

The SHA-256 of the whole file is computed as the bytes arrive, by the worker
writing them; a worker that takes over an upload (another worker wrote the
bytes before, or it restarted) first reads what it has not hashed from the
partial file. Everything here blocks (disk, database): call it from a thread.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo import ingest, resumable, storage
from upload_demo.filetypes import HEAD_SIZE
from upload_demo.ingest import Outcome, Uploader
from upload_demo.models import ResumableUpload
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.resumable import Upload, partial_path
from upload_demo.stores import Store
from upload_demo.tus import Hash

logger = logging.getLogger(__name__)

#: Uploads whose hash a worker keeps between PATCHes (a few hundred bytes each).
_HASHERS_KEPT = 1024

READ_SIZE = storage.CHUNK_SIZE


class Busy(Exception):
    """Another request is writing this upload now."""


class Lost(Exception):
    """The upload's partial file is gone (terminated, or removed as abandoned)."""


@contextlib.contextmanager
def locked(staging_dir: Path, upload_id: str) -> Iterator[int]:
    """The partial file open for writing, under its exclusive lock (Busy if taken, Lost if gone)."""
    try:
        fd = os.open(partial_path(staging_dir, upload_id), os.O_RDWR)
    except FileNotFoundError:
        raise Lost from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        yield fd
    finally:
        os.close(fd)


def write_at(fd: int, offset: int, data: bytes, *digests: Hash) -> None:
    """Write ``data`` at ``offset`` of the partial file, feeding each digest on the way."""
    for digest in digests:
        digest.update(data)
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        offset += written
        view = view[written:]


class _Hashers:
    """Per worker: each upload's SHA-256 so far and the offset it has reached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: collections.OrderedDict[str, tuple[int, Hash]] = collections.OrderedDict()

    def take(self, upload_id: str) -> tuple[int, Hash]:
        """The upload's hash (and its offset), or a fresh one at 0."""
        with self._lock:
            return self._kept.pop(upload_id, None) or (0, hashlib.sha256())

    def give(self, upload_id: str, offset: int, digest: Hash) -> None:
        """Keep the hash for the upload's next PATCH on this worker."""
        with self._lock:
            self._kept[upload_id] = (offset, digest)
            while len(self._kept) > _HASHERS_KEPT:
                self._kept.popitem(last=False)


HASHERS = _Hashers()


def hash_up_to(fd: int, upload_id: str, received: int) -> Hash:
    """The SHA-256 of the upload's first ``received`` bytes, reading only what is not hashed.

    Blocks for as long as that read takes: after a restart at 90 % of a large
    file, the whole confirmed part.
    """
    hashed, digest = HASHERS.take(upload_id)
    if hashed > received:
        hashed, digest = 0, hashlib.sha256()
    while hashed < received:
        data = os.pread(fd, min(READ_SIZE, received - hashed), hashed)
        if not data:
            raise Lost
        digest.update(data)
        hashed += len(data)
    return digest


def check_head(fd: int, policy: UploadPolicy, length: int) -> None:
    """Judge the type by the first bytes once they are in (Rejected if the page refuses it)."""
    policy.check_type(os.pread(fd, min(HEAD_SIZE, length), 0))


def store_complete(
    fd: int, upload: Upload, digest: Hash, policy: UploadPolicy, store: Store
) -> Outcome:
    """Every byte is in: ingest the partial file as any staged upload, then record the outcome.

    The outcome (stored, a repeat, or refused) is written to the row in one
    update with the final offset, so a worker killed before that leaves the
    upload resumable at its last confirmed offset, never "complete" without an outcome.
    """
    path = partial_path(store.staging_dir, upload.id)
    if resumable.find(upload.id) is None:
        # Terminated (Cancel) while its last bytes came: nothing is kept.
        path.unlink(missing_ok=True)
        return Outcome(name=upload.original_name, stored=False, message="cancelled")
    try:
        file_type = policy.check_type(os.pread(fd, min(HEAD_SIZE, upload.length), 0))
        staged = storage.Staged(
            directory=store.staging_dir,
            name=storage.new_name(file_type.extension),
            temp=path,
            fd=fd,
        )
        os.fsync(fd)
        received = storage.Received(staged=staged, size=upload.length, sha256=digest.hexdigest())
        by = Uploader(upload.uploaded_by)
        outcome = ingest.keep(
            upload.original_name, received, file_type, policy, store, by=by, folder=upload.folder
        )
    except Rejected as exc:
        outcome = Outcome(name=upload.original_name, stored=False, message=str(exc))
    except Exception:
        logger.exception("storing resumable upload %s failed", upload.id)
        outcome = ingest.server_error(upload.original_name)
    finally:
        path.unlink(missing_ok=True)
    _record_outcome(upload, outcome)
    return outcome


def _record_outcome(upload: Upload, outcome: Outcome) -> None:
    with rx.session() as session:
        session.exec(
            sqlalchemy.update(ResumableUpload)
            .where(sqlmodel.col(ResumableUpload.id) == upload.id)
            .values(
                received=upload.length,
                finished=True,
                stored=outcome.stored,
                repeat=outcome.repeat,
                message=outcome.message,
                stored_name=outcome.stored_name or outcome.duplicate_of,
                expires_at=resumable.expires_from_now(),
            )
        )
        session.commit()
