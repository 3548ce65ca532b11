"""Where stored files live: the local upload dir (the default) or an S3-protocol bucket.

Either way an upload is first staged as a local temp file (storage.py), so the
checks and the media work read a local file; a Store then publishes it under
its random name and later deletes it. ``configured()`` picks the Store from
``UPLOAD_DEMO_STORAGE``: unset, the upload dir (``rx.get_upload_dir()``); an
``s3://bucket/prefix`` URL, that bucket (bucket.py), staged in the upload dir.

The local Store needs no lease: its published file is still held open, and so
``flock``ed, by its writer until the record is committed (consistency.py). A
bucket's objects cannot be locked, so its Store claims names with database
leases (leases.py) for as long as they have no record.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from pathlib import Path
from typing import Protocol

import reflex as rx

from upload_demo import storage
from upload_demo.leases import Lease

#: The setting that chooses the Store: unset for the upload dir, or ``s3://bucket/prefix``.
STORAGE_SETTING = "UPLOAD_DEMO_STORAGE"


class Store(Protocol):
    """What ingest, delete, downloads and the maintenance check need of a place for files."""

    @property
    def staging_dir(self) -> Path:
        """The local directory uploads are staged in (temp files, on this machine)."""
        ...

    def describe(self) -> str:
        """Where the files are, for logs and the maintenance command."""
        ...

    def claim(self, names: tuple[str, ...]) -> contextlib.AbstractContextManager[Lease | None]:
        """Hold ``names`` for the writer from before publishing until the record is committed."""
        ...

    def publish(
        self,
        staged: storage.Staged,
        content_type: str,
        lease: Lease | None,
        stop: threading.Event | None = None,
    ) -> None:
        """Make the staged file visible under ``staged.name``: whole, or not at all.

        ``stop`` set while it runs abandons the publishing (Cancelled), leaving nothing.
        """
        ...

    def delete(self, name: str) -> None:
        """Remove a stored file; a missing one is not an error."""
        ...


class Cancelled(Exception):
    """Publishing was stopped (the upload was cancelled); nothing was left behind."""


class LocalStore:
    """Files in one local directory, published by an atomic rename from their temp file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def staging_dir(self) -> Path:
        """The directory itself: staging there makes publishing a same-filesystem rename."""
        return self.directory

    def describe(self) -> str:
        """The directory."""
        return f"directory {self.directory}"

    def claim(self, names: tuple[str, ...]) -> contextlib.AbstractContextManager[Lease | None]:
        """Nothing to take: the writer's open, locked temp file is its claim."""
        return contextlib.nullcontext()

    def publish(
        self,
        staged: storage.Staged,
        content_type: str,
        lease: Lease | None,
        stop: threading.Event | None = None,
    ) -> None:
        """The rename: instant, so there is nothing to stop."""
        staged.keep()

    def delete(self, name: str) -> None:
        """Unlink the file."""
        storage.delete(self.directory, name)


@functools.cache
def configured() -> Store:
    """The app's Store, from ``UPLOAD_DEMO_STORAGE`` (read once per process)."""
    url = os.environ.get(STORAGE_SETTING, "").strip()
    staging = Path(rx.get_upload_dir())
    if not url:
        return LocalStore(staging)
    from upload_demo.bucket import BucketStore

    return BucketStore(url, staging)


def in_bucket() -> bool:
    """Whether files go to a bucket (the pages then link to the app's /files route)."""
    return bool(os.environ.get(STORAGE_SETTING, "").strip())
