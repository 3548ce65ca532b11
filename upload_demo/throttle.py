"""Slow down password guessing: per account name and per client address, in the database.

The first ``FREE_FAILURES`` wrong passwords cost nothing; after that each try must
wait twice as long as the one before since the last failure (2 s, 4 s, ... up to
``MAX_WAIT``), whatever the password. A success clears the account's count (not the
address's: one good account must not reset a guesser's address). Failures older
than ``FORGET_AFTER`` are forgotten. In the database, so every worker counts alike.

Blocking (database I/O): call from a thread.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo.models import SignInFailure

FREE_FAILURES = 5
MAX_WAIT = datetime.timedelta(minutes=15)
FORGET_AFTER = datetime.timedelta(hours=1)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def keys(name: str, address: str) -> tuple[str, str]:
    """The counters a sign-in attempt is charged to."""
    return f"name:{name.strip().lower()}", f"address:{address}"


def _wait(failure: SignInFailure, now: datetime.datetime) -> datetime.timedelta:
    last = failure.last_failure_at.replace(tzinfo=datetime.UTC)
    if now - last > FORGET_AFTER or failure.failures < FREE_FAILURES:
        return datetime.timedelta(0)
    step = datetime.timedelta(seconds=2 ** (failure.failures - FREE_FAILURES + 1))
    return max(datetime.timedelta(0), min(step, MAX_WAIT) - (now - last))


def wait_before(counters: Sequence[str]) -> datetime.timedelta:
    """How long these counters must wait before the next try (0 when it may go ahead)."""
    now = _now()
    with rx.session() as session:
        found = session.exec(
            sqlmodel.select(SignInFailure).where(sqlmodel.col(SignInFailure.key).in_(counters))
        ).all()
        return max((_wait(f, now) for f in found), default=datetime.timedelta(0))


def failed(counters: Sequence[str]) -> None:
    """Count a wrong password against each counter."""
    now = _now()
    with rx.session() as session:
        for key in counters:
            found = session.get(SignInFailure, key)
            if found is None:
                found = SignInFailure(key=key, failures=0)
            elif now - found.last_failure_at.replace(tzinfo=datetime.UTC) > FORGET_AFTER:
                found.failures = 0
            found.failures += 1
            found.last_failure_at = now
            session.add(found)
        session.commit()


def succeeded(counter: str) -> None:
    """Forget the failures of an account that just signed in."""
    with rx.session() as session:
        session.exec(
            sqlalchemy.delete(SignInFailure).where(sqlmodel.col(SignInFailure.key) == counter)
        )
        session.commit()
