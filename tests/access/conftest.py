"""The app with accounts: an admin and a member exist before the app starts.

Runs as a pytest session of its own (``pytest tests/access``; ``make test`` and
``make test-scale`` run it after the rest), on the session's fresh database, so
the other suites keep the open app they were written for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import reflex as rx
import sqlalchemy

from upload_demo import access, accounts
from upload_demo.models import ADMIN, MEMBER, SignInFailure


@dataclasses.dataclass(frozen=True)
class Person:
    """An account the tests sign in as."""

    name: str
    password: str
    role: str


ADMIN_PERSON = Person("ada", "correct horse battery admin", ADMIN)
MEMBER_PERSON = Person("max", "correct horse battery member", MEMBER)


@pytest.fixture(scope="session", autouse=True)
def people() -> tuple[Person, Person]:
    """Both accounts, made before any test (and so before the app) starts."""
    for person in (ADMIN_PERSON, MEMBER_PERSON):
        accounts.create(person.name, person.password, person.role)
    access.forget_open_check()
    return ADMIN_PERSON, MEMBER_PERSON


@pytest.fixture(scope="session")
def admin() -> Person:
    """The admin: deletes files, manages accounts and drop links."""
    return ADMIN_PERSON


@pytest.fixture(scope="session")
def member() -> Person:
    """A member: uploads, browses, downloads."""
    return MEMBER_PERSON


@pytest.fixture(autouse=True)
def forget_failed_sign_ins() -> Iterator[None]:
    """Every test starts unthrottled: all of them sign in from 127.0.0.1."""
    yield
    with rx.session() as session:
        session.exec(sqlalchemy.delete(SignInFailure))
        session.commit()


@pytest.fixture(scope="session")
def frontend_url(frontend_url: str) -> str:
    """The frontend on the backend's host (127.0.0.1), not "localhost".

    The session cookie is SameSite=Strict and the auth routes take forms from this
    host only: a page on localhost is another site than a backend on 127.0.0.1, so
    the browser would neither send the cookie with the websocket nor pass the check.
    The dev frontend listens on every address, so only the URL changes.
    """
    return frontend_url.replace("://localhost:", "://127.0.0.1:")
