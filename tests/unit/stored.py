"""Put bytes in place the way ingest does: ``storage.receive``, then keep the file."""

from __future__ import annotations

from pathlib import Path

from upload_demo import storage


def kept(
    source: storage.Readable, directory: Path, extension: str, *, max_bytes: int, head: bytes = b""
) -> storage.Received:
    """Receive ``head`` and the rest of ``source`` and publish it; its temp fd is closed after."""
    with storage.receive(source, directory, extension, max_bytes=max_bytes, head=head) as received:
        received.staged.keep()
    return received
