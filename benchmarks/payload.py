"""The bytes a benchmark sends and how it checks what was stored.

A payload is one file of random bytes on disk; each upload puts its own nonce
after a PDF header, so every upload is new content (the app stores a given
content once) while the size and the rest of the bytes stay the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

MiB = 1024 * 1024
CHUNK = MiB
HEADER = b"%PDF-1.7\n%"
NONCE_LENGTH = 32


@dataclasses.dataclass(frozen=True)
class Payload:
    """A PDF-looking file of random bytes; each upload gets its own nonce after the header.

    The nonce keeps every upload's bytes (and so its SHA-256) distinct, since the
    app stores a given content once; the size and the rest of the bytes are shared.
    """

    source: Path
    size: int

    @classmethod
    def create(cls, directory: Path, size: int) -> Payload:
        path = directory / "source.bin"
        with path.open("wb") as f:
            left = size
            while left:
                block = os.urandom(min(8 * MiB, left))
                f.write(block)
                left -= len(block)
        return cls(path, size)

    def chunks(self, nonce: bytes, limit: int | None = None) -> Iterator[bytes]:
        """The file's bytes with ``nonce`` in place, in 1 MiB chunks (``limit`` bytes at most)."""
        left = self.size if limit is None else min(limit, self.size)
        with self.source.open("rb") as f:
            first = True
            while left:
                data = f.read(min(CHUNK, left))
                if first:
                    data = HEADER + nonce + data[len(HEADER) + NONCE_LENGTH :]
                    first = False
                left -= len(data)
                yield data

    def sha256(self, nonce: bytes, limit: int | None = None) -> str:
        digest = hashlib.sha256()
        for data in self.chunks(nonce, limit):
            digest.update(data)
        return digest.hexdigest()


def new_nonce() -> bytes:
    return uuid.uuid4().hex.encode()


def multipart(
    chunks: Iterator[bytes], size: int, name: str
) -> tuple[Generator[bytes, None, None], dict]:
    """One file as a streamed multipart body, and the headers that announce it."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Generator[bytes, None, None]:
        yield head
        yield from chunks
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    return body(), headers


def stored_hashes(directory: Path) -> list[str]:
    """SHA-256 of every stored file (temp and hidden files aside), sorted."""
    hashes = []
    for path in directory.iterdir():
        if path.is_file() and not path.name.startswith("."):
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while data := f.read(CHUNK):
                    digest.update(data)
            hashes.append(digest.hexdigest())
    return sorted(hashes)


def empty(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            path.unlink()


def size_label(size: int) -> str:
    return f"{size // 1024**3} GiB" if size % 1024**3 == 0 else f"{size / MiB:g} MiB"
