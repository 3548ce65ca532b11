"""Accounts: names, argon2id password hashes, roles. Blocking (hashing, database): use a thread.

The hash never leaves this module's callers on the server: the Reflex state and
the pages only ever see an ``Identity`` (name and role).
"""

from __future__ import annotations

import dataclasses
import datetime
import re

import argon2
import reflex as rx
import sqlalchemy.exc
import sqlmodel

from upload_demo import sessions
from upload_demo.models import ADMIN, MEMBER, Account

#: Account names: what people type to sign in, shown as the uploader of their files.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

ROLES = (ADMIN, MEMBER)

_HASHER = argon2.PasswordHasher()
#: Verified against when the name is unknown, so a wrong name costs what a wrong password does.
_DUMMY_HASH = _HASHER.hash("not the password of any account")


class AccountError(ValueError):
    """A name, password or role that cannot be used; the message says why."""


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who is signed in, as pages and handlers need it: never the hash."""

    account_id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Admins delete files and manage accounts and drop links."""
        return self.role == ADMIN


def clean_name(raw: str) -> str:
    """The account name as stored: trimmed, lower case; AccountError if it is not one."""
    name = raw.strip().lower()
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            "an account name is 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    """The password if it is long enough (and not absurdly long), else AccountError."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return password


def _identity(account: Account) -> Identity:
    assert account.id is not None
    return Identity(account.id, account.name, account.role)


def create(name: str, password: str, role: str = MEMBER) -> Identity:
    """A new account; AccountError if the name is taken or anything is not acceptable."""
    if role not in ROLES:
        raise AccountError(f"a role is one of {', '.join(ROLES)}")
    account = Account(
        name=clean_name(name), password_hash=_HASHER.hash(check_password(password)), role=role
    )
    with rx.session() as session:
        session.add(account)
        try:
            session.commit()
        except sqlalchemy.exc.IntegrityError:
            raise AccountError(f"there is already an account named {account.name}") from None
        session.refresh(account)
        return _identity(account)


def verify(name: str, password: str) -> Identity | None:
    """The account if the name and password match an enabled one, else None.

    Also notes the sign-in time, and rehashes a hash made with weaker parameters.
    """
    try:
        key = clean_name(name)
    except AccountError:
        key = ""
    with rx.session() as session:
        account = session.exec(sqlmodel.select(Account).where(Account.name == key)).first()
        try:
            _HASHER.verify(account.password_hash if account else _DUMMY_HASH, password)
        except argon2.exceptions.VerificationError:
            return None
        except argon2.exceptions.InvalidHashError:
            return None
        if account is None or account.disabled:
            return None
        if _HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = _HASHER.hash(password)
        account.last_sign_in_at = datetime.datetime.now(datetime.UTC)
        session.add(account)
        session.commit()
        session.refresh(account)
        return _identity(account)


def enabled(account_id: int) -> Identity | None:
    """The account by id while it is enabled (a session of a disabled one ends)."""
    with rx.session() as session:
        account = session.get(Account, account_id)
        return _identity(account) if account is not None and not account.disabled else None


def all_accounts() -> list[Account]:
    """Every account, by name (for the CLI and the admin page; the hash is read, not shown)."""
    with rx.session() as session:
        return list(session.exec(sqlmodel.select(Account).order_by(Account.name)).all())


def _change(name: str, **values: object) -> Account:
    with rx.session() as session:
        key = clean_name(name)
        account = session.exec(sqlmodel.select(Account).where(Account.name == key)).first()
        if account is None:
            raise AccountError(f"there is no account named {key}")
        for field, value in values.items():
            setattr(account, field, value)
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def set_disabled(name: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; its sessions end."""
    account = _change(name, disabled=disabled)
    if disabled and account.id is not None:
        sessions.close_all_of(account.id)


def set_password(name: str, password: str) -> None:
    """A new password; every session of the account ends."""
    account = _change(name, password_hash=_HASHER.hash(check_password(password)))
    if account.id is not None:
        sessions.close_all_of(account.id)


def set_role(name: str, role: str) -> None:
    """Make an account an admin or a member."""
    if role not in ROLES:
        raise AccountError(f"a role is one of {', '.join(ROLES)}")
    _change(name, role=role)


def any_account() -> bool:
    """Whether any account exists: with none, the app is open (on loopback only)."""
    with rx.session() as session:
        return session.exec(sqlmodel.select(Account.id).limit(1)).first() is not None


def any_admin() -> bool:
    """Whether an enabled admin exists (required to start on a non-loopback host)."""
    with rx.session() as session:
        query = sqlmodel.select(Account.id).where(
            Account.role == ADMIN, sqlmodel.col(Account.disabled).is_(False)
        )
        return session.exec(query.limit(1)).first() is not None
