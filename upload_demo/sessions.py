"""Sign-in sessions and tab grants, in the database so every worker sees them at once.

A browser that signs in gets a random token in an HttpOnly, SameSite cookie; the
database keeps only the token's SHA-256, so a copy of the database signs nobody
in. A session ends on sign-out, when its account is disabled or its password
changed, or after ``idle_timeout()`` without use.

A tab grant ties a Reflex client token (one per tab) to a session or a drop link:
see ``models.TabGrant`` for why the upload guard needs it.

Blocking (database I/O): call from a thread.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import secrets

import reflex as rx
import sqlalchemy
import sqlmodel

from upload_demo.models import SignInSession, TabGrant

#: The environment variable for the idle timeout, in minutes.
IDLE_ENV = "UPLOAD_DEMO_SESSION_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 120

#: A session in use is marked seen at most this often (one UPDATE a minute, not per event).
TOUCH_EVERY = datetime.timedelta(minutes=1)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def idle_timeout() -> datetime.timedelta:
    """How long a session lasts unused (``UPLOAD_DEMO_SESSION_IDLE_MINUTES``, default 120)."""
    minutes = float(os.environ.get(IDLE_ENV) or DEFAULT_IDLE_MINUTES)
    return datetime.timedelta(minutes=minutes)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_for(account_id: int) -> str:
    """A new session of the account; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    with rx.session() as session:
        session.add(SignInSession(id=_key(token), account_id=account_id))
        session.commit()
    return token


def account_of(token: str) -> int | None:
    """The account of a live session, marking it seen; None for an unknown or idle one."""
    if not token:
        return None
    now = _now()
    with rx.session() as session:
        found = session.get(SignInSession, _key(token))
        if found is None:
            return None
        seen = found.last_seen_at.replace(tzinfo=datetime.UTC)
        if now - seen > idle_timeout():
            _delete_sessions(session, sqlmodel.col(SignInSession.id) == found.id)
            session.commit()
            return None
        if now - seen > TOUCH_EVERY:
            found.last_seen_at = now
            session.add(found)
            session.commit()
        return found.account_id


def _delete_sessions(session: sqlmodel.Session, where: sqlalchemy.ColumnElement[bool]) -> None:
    # Explicit, not ON DELETE CASCADE: SQLite enforces foreign keys only when asked to.
    ids = sqlmodel.select(SignInSession.id).where(where)
    session.exec(sqlalchemy.delete(TabGrant).where(sqlmodel.col(TabGrant.session_id).in_(ids)))
    session.exec(sqlalchemy.delete(SignInSession).where(where))


def close(token: str) -> None:
    """Sign out: the session and its tabs' grants end."""
    with rx.session() as session:
        _delete_sessions(session, sqlmodel.col(SignInSession.id) == _key(token))
        session.commit()


def close_all_of(account_id: int) -> None:
    """End every session of an account (disabled, or its password changed)."""
    with rx.session() as session:
        _delete_sessions(session, sqlmodel.col(SignInSession.account_id) == account_id)
        session.commit()


def close_idle() -> int:
    """Remove sessions idle past the timeout; returns how many (run at start-up)."""
    with rx.session() as session:
        cutoff = _now() - idle_timeout()
        stale = sqlmodel.col(SignInSession.last_seen_at) < cutoff
        count = len(session.exec(sqlmodel.select(SignInSession.id).where(stale)).all())
        _delete_sessions(session, stale)
        session.commit()
        return count


def grant_tab(client_token: str, token: str | None = None, drop_link_id: int | None = None) -> None:
    """Let a tab upload as a session (by its cookie's token) or for a drop link."""
    if not client_token:
        return
    with rx.session() as session:
        grant = session.get(TabGrant, client_token) or TabGrant(client_token=client_token)
        grant.session_id = _key(token) if token else None
        grant.drop_link_id = drop_link_id
        grant.granted_at = _now()
        session.add(grant)
        session.commit()


def revoke_tab(client_token: str) -> None:
    """The tab may upload as nobody (it signed out, or its link was refused)."""
    with rx.session() as session:
        session.exec(
            sqlalchemy.delete(TabGrant).where(sqlmodel.col(TabGrant.client_token) == client_token)
        )
        session.commit()


def tab_grant(client_token: str) -> tuple[int | None, int | None]:
    """(account id of the tab's live session, drop link id) that the tab may upload as."""
    if not client_token:
        return None, None
    with rx.session() as session:
        grant = session.get(TabGrant, client_token)
        if grant is None:
            return None, None
        account_id = None
        if grant.session_id is not None:
            found = session.get(SignInSession, grant.session_id)
            if found is not None:
                seen = found.last_seen_at.replace(tzinfo=datetime.UTC)
                if _now() - seen <= idle_timeout():
                    account_id = found.account_id
        return account_id, grant.drop_link_id
