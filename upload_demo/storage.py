"""Put uploaded bytes on disk atomically, under names nobody can guess.

Bytes are copied in bounded chunks into a temporary file in the target
directory (so the final ``os.replace`` is a same-filesystem rename), hashed
and counted on the way. A reader therefore sees either no file or the whole
file, never a partial one. Everything here blocks: call it from a thread.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO

#: Bounded copy size: memory stays flat whatever the file size.
CHUNK_SIZE = 1024 * 1024

#: Temporary files start with this, so a clean-up can find what a crash left.
TEMP_PREFIX = ".partial-"


class TooLarge(Exception):
    """The stream held more bytes than allowed; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclasses.dataclass(frozen=True)
class StoredBlob:
    """A file now in place: its stored name, size and SHA-256."""

    name: str
    size: int
    sha256: str


def new_name(extension: str) -> str:
    """A random name (128 bits) with an extension we chose, never the client's name."""
    return f"{secrets.token_hex(16)}{extension}"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_stream(
    source: BinaryIO,
    directory: Path,
    extension: str,
    *,
    max_bytes: int,
    head: bytes = b"",
) -> StoredBlob:
    """Copy ``head`` then the rest of ``source`` into ``directory`` atomically.

    Raises TooLarge as soon as more than ``max_bytes`` have arrived, and
    leaves no file behind on that or any other failure.
    """
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = _open_temp(directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            chunk = head or source.read(CHUNK_SIZE)
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
                chunk = source.read(CHUNK_SIZE)
            out.flush()
            os.fsync(out.fileno())
        name = new_name(extension)
        os.replace(temp, directory / name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(directory)
    return StoredBlob(name=name, size=size, sha256=digest.hexdigest())


def _open_temp(directory: Path) -> tuple[int, str]:
    path = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    # Held until the file is closed (the kernel drops it if the process dies): clean-ups
    # leave a locked temp file alone (see maintenance.py).
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd, str(path)


def delete(directory: Path, name: str) -> None:
    """Remove a stored file; a name that is not a plain file name is refused."""
    if Path(name).name != name or name in {"", ".", ".."}:
        raise ValueError(f"not a stored file name: {name!r}")
    (directory / name).unlink(missing_ok=True)


def leftover_temp_files(directory: Path) -> list[Path]:
    """Temporary files a crashed copy left behind."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{TEMP_PREFIX}*"))
