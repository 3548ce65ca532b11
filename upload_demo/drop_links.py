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
from upload_demo.policy import UploadPolicy
from upload_demo.units import human_bytes, plural

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


def status(link: DropLink, now: datetime.datetime | None = None) -> str:
    """'open', 'expired' or 'revoked', as the admin page lists it."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if refusal(link, now) else "open"


def usage_text(link: DropLink, used: Usage) -> str:
    """'3 of 10 files · 12 MB of 100 MB' (no 'of' where the link sets no limit)."""
    files = (
        f"{used.files} of {plural(link.max_files, 'file')}"
        if link.max_files is not None
        else plural(used.files, "file")
    )
    size = human_bytes(used.bytes)
    if link.max_bytes is not None:
        size = f"{size} of {human_bytes(link.max_bytes)}"
    return f"{files} · {size}"


def limits_text(link: DropLink) -> str:
    """The link's own limits in words, for its page."""
    parts = []
    if link.max_files is not None:
        parts.append(f"up to {plural(link.max_files, 'file')}")
    if link.max_bytes is not None:
        parts.append(f"{human_bytes(link.max_bytes)} in all")
    expires_at = _aware(link.expires_at)
    if expires_at is not None:
        parts.append(f"open until {expires_at:%Y-%m-%d %H:%M} UTC")
    if not parts:
        return "This link sets no limits of its own."
    text = ", ".join(parts)
    return f"This link takes {text}."


def allowance(link: DropLink, used: Usage, base: UploadPolicy) -> UploadPolicy | str:
    """``base`` narrowed to what the link has left, or why it takes nothing more.

    Asked at each upload, so the limits hold across visits and visitors (two uploads
    racing at the very end may both fit; each alone never exceeds the link).
    """
    why = refusal(link)
    if why:
        return why
    max_files, max_size, max_total = base.max_files, base.max_file_size, base.max_total_size
    if link.max_files is not None:
        left = link.max_files - used.files
        if left <= 0:
            taken = plural(link.max_files, "file")
            return f"This drop link has taken its {taken}; it accepts no more."
        max_files = min(max_files, left)
    if link.max_bytes is not None:
        left = link.max_bytes - used.bytes
        if left <= 0:
            return (
                f"This drop link has taken its {human_bytes(link.max_bytes)}; it accepts no more."
            )
        max_size, max_total = min(max_size, left), min(max_total, left)
    return dataclasses.replace(
        base, max_files=max_files, max_file_size=max_size, max_total_size=max_total
    )


def visit_files(link_id: int, stored_names: list[str]) -> list[StoredFile]:
    """The files of one visit (their stored names) that came through the link, newest first."""
    if not stored_names:
        return []
    query = (
        sqlmodel.select(StoredFile)
        .where(
            StoredFile.drop_link_id == link_id,
            sqlmodel.col(StoredFile.stored_name).in_(stored_names),
        )
        .order_by(sqlmodel.col(StoredFile.id).desc())
    )
    with rx.session() as session:
        return list(session.exec(query).all())


def labels(link_ids: set[int]) -> dict[int, str]:
    """The labels of these links, by id (one query for a page of files)."""
    if not link_ids:
        return {}
    query = sqlmodel.select(DropLink.id, DropLink.label).where(
        sqlmodel.col(DropLink.id).in_(link_ids)
    )
    with rx.session() as session:
        return {link_id: label for link_id, label in session.exec(query).all() if link_id}
