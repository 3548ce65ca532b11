"""Database tables. The file on disk and its row here exist together or not at all."""

from __future__ import annotations

import datetime

import reflex as rx
import sqlalchemy
import sqlmodel


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class StoredFile(rx.Model, table=True):
    """One stored upload. The user's file name lives here only, never on disk."""

    # The library sorts by name case-insensitively; this expression index serves it.
    __table_args__ = (
        sqlalchemy.Index(
            "ix_storedfile_original_name_lower", sqlalchemy.text("lower(original_name)")
        ),
    )

    original_name: str
    stored_name: str = sqlmodel.Field(unique=True)
    kind: str = sqlmodel.Field(index=True)
    content_type: str
    # BigInteger: multi-gigabyte files overflow a 32-bit column on PostgreSQL.
    size: int = sqlmodel.Field(sa_type=sqlalchemy.BigInteger, index=True)
    # Unique: the same bytes are stored once; a second upload is reported as a duplicate.
    sha256: str = sqlmodel.Field(unique=True)
    source_page: str = sqlmodel.Field(index=True)
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow, index=True)
    # Filled in by media processing.
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    codec: str | None = None
    # A derived file beside the original in the upload dir (image thumbnail or video
    # poster); it lives and dies with this row.
    preview_name: str | None = None
