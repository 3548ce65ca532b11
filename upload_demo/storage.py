"""Put uploaded bytes on disk atomically, under names nobody can guess.

Bytes are copied in bounded chunks into a temporary file in the target
directory (so the final ``os.replace`` is a same-filesystem rename), hashed
and counted on the way. A reader therefore sees either no file or the whole
file, never a partial one. ``receive`` hands the complete temp file back
before publishing it, so the caller can inspect it (duplicates, media) while
nobody else can see it. Everything here blocks: call it from a thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

#: Bounded copy size: memory stays flat whatever the file size.
CHUNK_SIZE = 1024 * 1024

#: Temporary files start with this, so a clean-up can find what a crash left.
TEMP_PREFIX = ".partial-"


class Readable(Protocol):
    """All a copy needs of its source: ``read(n)``, as any binary file has."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` at the end."""
        ...


class TooLarge(Exception):
    """The stream held more bytes than allowed; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


def new_name(extension: str) -> str:
    """A random name (128 bits) with an extension we chose, never the client's name."""
    return f"{secrets.token_hex(16)}{extension}"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclasses.dataclass
class Staged:
    """A temp file in the upload dir that becomes ``name`` only when kept.

    Until ``keep`` it is a ``.partial-`` file nobody links to, so a crash at
    any point before leaves only a temp file for the start-up clean-up. The
    file stays open (``fd``) for as long as it is staged, so anything tied to
    the open descriptor, such as a lock, lasts until it is kept or dropped.
    """

    directory: Path
    name: str
    temp: Path
    fd: int
    kept: bool = False

    @property
    def path(self) -> Path:
        """Where the bytes are now: the temp file, or the final name once kept."""
        return self.directory / self.name if self.kept else self.temp

    @contextlib.contextmanager
    def writer(self) -> Iterator[BinaryIO]:
        """Write the temp file; it is flushed and fsynced before ``keep`` can publish it."""
        with os.fdopen(self.fd, "wb", closefd=False) as out:
            yield out
            out.flush()
            os.fsync(self.fd)

    def keep(self) -> None:
        """Publish the file under its final name (an atomic same-directory rename)."""
        os.replace(self.temp, self.directory / self.name)
        self.kept = True
        _fsync_dir(self.directory)


@contextlib.contextmanager
def staging(directory: Path, name: str) -> Iterator[Staged]:
    """A Staged file for ``name``; its temp file is removed unless it was kept."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = _open_temp(directory)
    staged = Staged(directory=directory, name=name, temp=Path(temp), fd=fd)
    try:
        yield staged
    finally:
        try:
            if not staged.kept:
                staged.temp.unlink(missing_ok=True)
        finally:
            os.close(fd)


@dataclasses.dataclass(frozen=True)
class Received:
    """Uploaded bytes complete on disk but not yet visible: their size and SHA-256."""

    staged: Staged
    size: int
    sha256: str


@contextlib.contextmanager
def receive(
    source: Readable,
    directory: Path,
    extension: str,
    *,
    max_bytes: int,
    head: bytes = b"",
) -> Iterator[Received]:
    """Copy ``head`` then the rest of ``source`` to a temp file under a random final name.

    The caller inspects ``received.staged.path`` and calls ``received.staged.keep()``
    to publish it; leaving the block any other way removes the temp file. Raises
    TooLarge as soon as more than ``max_bytes`` have arrived.
    """
    with staging(directory, new_name(extension)) as staged:
        digest = hashlib.sha256()
        size = 0
        with staged.writer() as out:
            chunk = head or source.read(CHUNK_SIZE)
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
                chunk = source.read(CHUNK_SIZE)
        yield Received(staged=staged, size=size, sha256=digest.hexdigest())


class Sink:
    """Bytes arriving piece by piece into a staged file, hashed and counted as they land.

    For uploads that arrive as chunks rather than as a readable stream; the
    same limit rule as ``receive``: TooLarge before a byte past ``max_bytes``
    is written.
    """

    def __init__(self, staged: Staged, max_bytes: int) -> None:
        self.staged = staged
        self.max_bytes = max_bytes
        self.size = 0
        self._digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        """Append ``data``; raises TooLarge (writing nothing) if it goes past the limit."""
        if self.size + len(data) > self.max_bytes:
            raise TooLarge(self.max_bytes)
        self._digest.update(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self.staged.fd, view) :]
        self.size += len(data)

    def finish(self) -> Received:
        """Fsync: the bytes are on disk, ready to be kept."""
        os.fsync(self.staged.fd)
        return Received(staged=self.staged, size=self.size, sha256=self._digest.hexdigest())


def _open_temp(directory: Path) -> tuple[int, str]:
    path = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    # Held until the file is closed (the kernel drops it if the process dies): clean-ups
    # leave a locked file alone (see ``claim`` and consistency.py).
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd, str(path)


def delete(directory: Path, name: str) -> None:
    """Remove a stored file; a name that is not a plain file name is refused."""
    if Path(name).name != name or name in {"", ".", ".."}:
        raise ValueError(f"not a stored file name: {name!r}")
    (directory / name).unlink(missing_ok=True)


def temp_files(directory: Path) -> list[Path]:
    """The temp files in ``directory``: being written now, or left behind by a crash."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f"{TEMP_PREFIX}*") if p.is_file())


@contextlib.contextmanager
def claim(path: Path) -> Iterator[bool]:
    """Hold ``path``'s lock for the block if no writer holds it; yield whether we got it.

    A writer holds the lock from creating its temp file until it closes it;
    the lock follows the file through its rename, so a published file is
    locked too until its writer lets go. Taking the lock shuts a writer out
    only in the instant between creating and locking its temp file.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
