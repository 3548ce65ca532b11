"""Leases on bucket object names: who is storing what, for how long, across every worker.

A local file is claimed by its writer's ``flock`` (storage.py), which the kernel
drops when the writer dies. An object in a bucket has no lock, and the workers
storing into it may run on other machines, so the claim lives in the database:
a writer ``take``s a lease on the names it is about to publish (committed before
the first byte is sent), ``renew``s it while a long multipart upload runs, and
``release_in`` drops it inside the transaction that commits the record. Any
reader that sees neither a live lease nor a record for an object knows its
writer is gone. A writer that lost its lease (it stalled past the expiry and a
repair took the name back) fails its commit instead of recording a file that
may have been removed.

Blocking (database I/O): call from a thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import secrets
from collections.abc import Iterable, Iterator

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo.models import UploadLease

#: How long a lease lasts without renewal: far longer than any pause between two parts.
TTL = datetime.timedelta(minutes=10)

#: A writer renews once less than this is left.
RENEW_WHEN_LEFT = TTL - datetime.timedelta(minutes=1)


class LeaseLost(Exception):
    """The lease expired and was taken back before the record could be committed."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass
class Lease:
    """The names one upload is publishing, and until when they are its own."""

    names: tuple[str, ...]
    holder: str
    expires_at: datetime.datetime

    def due(self) -> bool:
        """Whether it is time to renew."""
        return self.expires_at - _now() < RENEW_WHEN_LEFT


def take(names: Iterable[str], ttl: datetime.timedelta = TTL) -> Lease:
    """Commit a lease on ``names`` (random names: no other writer can hold them)."""
    lease = Lease(tuple(names), secrets.token_hex(16), _now() + ttl)
    with rx.session() as session:
        for name in lease.names:
            session.add(UploadLease(name=name, holder=lease.holder, expires_at=lease.expires_at))
        session.commit()
    return lease


def renew(lease: Lease, ttl: datetime.timedelta = TTL) -> None:
    """Push the expiry out; LeaseLost if a repair took any of the names back."""
    expires_at = _now() + ttl
    with rx.session() as session:
        result = session.exec(
            sqlalchemy.update(UploadLease)
            .where(sqlmodel.col(UploadLease.holder) == lease.holder)
            .values(expires_at=expires_at)
        )
        session.commit()
    if result.rowcount != len(lease.names):
        raise LeaseLost(", ".join(lease.names))
    lease.expires_at = expires_at


def release_in(session: sqlmodel.Session, lease: Lease) -> None:
    """Drop the lease in ``session``'s transaction (the record's); LeaseLost if it is gone.

    Deleting the rows also locks them until the commit on PostgreSQL, so a repair
    taking an expired lease back and this commit cannot both succeed.
    """
    result = session.exec(
        sqlalchemy.delete(UploadLease).where(sqlmodel.col(UploadLease.holder) == lease.holder)
    )
    if result.rowcount != len(lease.names):
        raise LeaseLost(", ".join(lease.names))


def drop(lease: Lease) -> None:
    """Drop whatever is left of the lease (after a failed or refused upload)."""
    with rx.session() as session:
        session.exec(
            sqlalchemy.delete(UploadLease).where(sqlmodel.col(UploadLease.holder) == lease.holder)
        )
        session.commit()


@contextlib.contextmanager
def held(names: Iterable[str]) -> Iterator[Lease]:
    """A lease for the block; dropped at its end unless a record's commit took it."""
    lease = take(names)
    try:
        yield lease
    finally:
        drop(lease)


def live(session: sqlmodel.Session) -> set[str]:
    """The names under a lease that has not expired."""
    query = sqlmodel.select(UploadLease.name).where(UploadLease.expires_at > _now())
    return set(session.exec(query).all())


def expired(session: sqlmodel.Session) -> list[str]:
    """The names whose lease expired: their writers stopped without a word."""
    query = sqlmodel.select(UploadLease.name).where(UploadLease.expires_at <= _now())
    return sorted(session.exec(query).all())


def take_back(session: sqlmodel.Session, name: str) -> bool:
    """Delete ``name``'s lease if it has expired (in ``session``); whether it did."""
    result = session.exec(
        sqlalchemy.delete(UploadLease).where(
            sqlmodel.col(UploadLease.name) == name,
            sqlmodel.col(UploadLease.expires_at) <= _now(),
        )
    )
    return result.rowcount == 1
