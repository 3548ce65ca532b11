"""The same bytes are stored once: find the stored file an upload repeats.

The lookup lets ingest skip all work on a repeat; the UNIQUE constraint on
``sha256`` is what guarantees it when two uploads of the same bytes race.
Blocking (database I/O): call from a thread.
"""

from __future__ import annotations

import reflex as rx
import sqlmodel

from upload_demo.models import StoredFile


def stored_with(sha256: str) -> StoredFile | None:
    """The stored file whose content has this SHA-256, if any."""
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.sha256 == sha256)
        return session.exec(query).first()


def message(existing: StoredFile) -> str:
    """What the page says about a repeat: which file it repeats and where that came from."""
    return f"already stored as {existing.original_name} (from /{existing.source_page})"
