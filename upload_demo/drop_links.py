"""Drop links (file requests): an admin hands out a URL, anyone with it uploads, nothing more.

A link has a random token (its URL ``/drop/<token>``), a label, and optionally an
expiry and limits on files and bytes. Revoked or expired, it accepts nothing and
says why. Files uploaded through it are recorded with its id (``StoredFile.drop_link_id``),
which is how its limits are counted. Blocking (database): call from a thread.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo.models import DropLink, StoredFile

MAX_LABEL_LENGTH = 80


class LinkError(ValueError):
    """Settings a link cannot have; the message says why."""


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a link has taken so far."""

    files: int
    bytes: int


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    return moment.replace(tzinfo=datetime.UTC) if moment is not None else None


def create(
    label: str,
    created_by: str,
    expires_at: datetime.datetime | None = None,
    max_files: int | None = None,
    max_bytes: int | None = None,
) -> DropLink:
    """A new link with a fresh random token."""
    label = label.strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise LinkError(f"a label is 1 to {MAX_LABEL_LENGTH} characters")
    if max_files is not None and max_files < 1:
        raise LinkError("a file limit is at least 1")
    if max_bytes is not None and max_bytes < 1:
        raise LinkError("a size limit is at least 1 byte")
    if expires_at is not None and expires_at <= _now():
        raise LinkError("the expiry is in the past")
    link = DropLink(
        token=secrets.token_urlsafe(24),
        label=label,
        created_by=created_by,
        expires_at=expires_at,
        max_files=max_files,
        max_bytes=max_bytes,
    )
    with rx.session() as session:
        session.add(link)
        session.commit()
        session.refresh(link)
        return link


def by_token(token: str) -> DropLink | None:
    """The link with this token, whatever its state."""
    if not token:
        return None
    with rx.session() as session:
        return session.exec(sqlmodel.select(DropLink).where(DropLink.token == token)).first()


def get(link_id: int) -> DropLink | None:
    """The link by id."""
    with rx.session() as session:
        return session.get(DropLink, link_id)


def refusal(link: DropLink | None, now: datetime.datetime | None = None) -> str:
    """Why the link accepts nothing ("" while it is open)."""
    if link is None:
        return "This drop link does not exist."
    if link.revoked_at is not None:
        return "This drop link was revoked; it accepts no more files."
    expires_at = _aware(link.expires_at)
    if expires_at is not None and expires_at <= (now or _now()):
        return "This drop link has expired; it accepts no more files."
    return ""


def usage(link_id: int) -> Usage:
    """Files and bytes stored through the link."""
    with rx.session() as session:
        files, size = session.exec(
            sqlmodel.select(
                sqlalchemy.func.count(),
                sqlalchemy.func.coalesce(sqlalchemy.func.sum(StoredFile.size), 0),
            ).where(StoredFile.drop_link_id == link_id)
        ).one()
        return Usage(int(files), int(size))


def revoke(link_id: int) -> None:
    """The link accepts nothing from now on (its files stay)."""
    with rx.session() as session:
        link = session.get(DropLink, link_id)
        if link is not None and link.revoked_at is None:
            link.revoked_at = _now()
            session.add(link)
            session.commit()


def all_links() -> list[DropLink]:
    """Every link, newest first."""
    with rx.session() as session:
        query = sqlmodel.select(DropLink).order_by(sqlmodel.col(DropLink.id).desc())
        return list(session.exec(query).all())
