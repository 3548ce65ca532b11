"""The pure parts of access control: names, passwords, cookies, hosts, signatures, redirects, waits.

No account is made here: this runs in the open app's session.
"""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlmodel

from upload_demo import access, accounts, signing, throttle, users
from upload_demo.accounts import AccountError
from upload_demo.auth_routes import _next_path
from upload_demo.models import SignInFailure

# --- names and passwords ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("ada", "ada"),
        ("  Ada ", "ada"),
        ("max.b_c-d", "max.b_c-d"),
        ("9lives", "9lives"),
        ("a" * 40, "a" * 40),
    ],
)
def test_clean_name_keeps_plain_names_in_lower_case(raw: str, kept: str) -> None:
    assert accounts.clean_name(raw) == kept


@pytest.mark.parametrize(
    "raw", ["", "   ", ".hidden", "-x", "a" * 41, "a b", "../evil", "ada@x", "åsa", "a\x00b", "a/b"]
)
def test_clean_name_refuses_anything_else(raw: str) -> None:
    with pytest.raises(AccountError, match="account name"):
        accounts.clean_name(raw)


def test_check_password_bounds() -> None:
    shortest = "x" * accounts.MIN_PASSWORD_LENGTH
    longest = "x" * accounts.MAX_PASSWORD_LENGTH
    assert accounts.check_password(shortest) == shortest
    assert accounts.check_password(longest) == longest
    with pytest.raises(AccountError, match="at least"):
        accounts.check_password(shortest[1:])
    with pytest.raises(AccountError, match="at most"):
        accounts.check_password(longest + "x")


def test_the_cli_looks_for_the_accounts_table() -> None:
    table = sqlmodel.SQLModel.metadata.tables[users.ACCOUNT_TABLE]
    assert {"name", "password_hash", "role"} <= set(table.columns.keys())


# --- cookies and hosts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (f"{access.COOKIE}=abc", "abc"),
        (f"other=1; {access.COOKIE}=t0k-en_; third=3", "t0k-en_"),
        ("other=1", ""),
        ("", ""),
        (f"x{access.COOKIE}=nope", ""),
        ('bad="unterminated', ""),
    ],
)
def test_cookie_token(header: str, token: str) -> None:
    assert access.cookie_token(header) == token


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.2", False),
        ("", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert access.is_loopback(host) is loopback


def test_check_start_on_loopback_needs_no_admin() -> None:
    # The open app's session has no account at all: loopback starts, 0.0.0.0 does not.
    access.check_start("127.0.0.1")
    with pytest.raises(SystemExit, match=r"python -m upload_demo\.users add NAME --admin"):
        access.check_start("0.0.0.0")


# --- signed URLs ------------------------------------------------------------------------

NOW = 1_800_000_000.0


def _parts(signed: str) -> tuple[str, str, str]:
    split = urlsplit(signed)
    query = parse_qs(split.query)
    return split.path, query["exp"][0], query["sig"][0]


def test_a_signature_opens_its_path_until_it_expires() -> None:
    path, expires, signature = _parts(signing.sign("_upload/a.png", ttl=60, now=NOW))
    assert path == "_upload/a.png"
    assert expires == str(int(NOW) + 60)
    assert signing.valid(path, expires, signature, now=NOW)
    assert signing.valid(path, expires, signature, now=NOW + 60)
    assert not signing.valid(path, expires, signature, now=NOW + 60.5)
    assert not signing.valid(path, expires, signature, now=NOW + 61)


def test_every_part_of_a_signature_matters() -> None:
    path, expires, signature = _parts(signing.sign("_upload/a.png", ttl=60, now=NOW))
    flipped = "0" if signature[-1] != "0" else "1"
    assert not signing.valid("_upload/b.png", expires, signature, now=NOW)
    assert not signing.valid("download/1", expires, signature, now=NOW)
    assert not signing.valid(path, str(int(expires) + 1), signature, now=NOW)
    assert not signing.valid(path, expires, signature[:-1] + flipped, now=NOW)
    assert not signing.valid(path, expires, signature.upper(), now=NOW)
    assert not signing.valid(path, expires, "", now=NOW)
    assert not signing.valid(path, "soon", signature, now=NOW)
    assert not signing.valid(path, "", signature, now=NOW)


def test_a_negative_ttl_is_expired_at_once() -> None:
    path, expires, signature = _parts(signing.sign("_upload/a.png", ttl=-10))
    assert not signing.valid(path, expires, signature)


# --- where sign-in goes back to -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/library?q=1", "/library?q=1"),
        ("/", "/"),
        ("//evil.com", "/"),
        ("//evil.com/library", "/"),
        ("/\\evil.com", "/"),
        ("\\\\evil.com", "/"),
        ("https://x", "/"),
        ("javascript:alert(1)", "/"),
        ("library", "/"),
        ("", "/"),
    ],
)
def test_next_path_stays_in_the_app(raw: str, kept: str) -> None:
    assert _next_path(raw) == kept


# --- throttle waits -----------------------------------------------------------------------

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)


def _failure(failures: int) -> SignInFailure:
    return SignInFailure(key="name:x", failures=failures, last_failure_at=T0)


def _wait(failures: int, after_s: float) -> float:
    later = T0 + datetime.timedelta(seconds=after_s)
    return throttle._wait(_failure(failures), later).total_seconds()


def test_the_free_failures_cost_nothing() -> None:
    for failures in range(throttle.FREE_FAILURES):
        assert _wait(failures, 0) == 0


def test_each_failure_past_the_free_ones_doubles_the_wait() -> None:
    free = throttle.FREE_FAILURES
    assert [_wait(free + n, 0) for n in range(4)] == [2, 4, 8, 16]
    assert _wait(free, 0.5) == 1.5
    assert _wait(free, 2) == 0
    assert _wait(free, 3) == 0


def test_the_wait_is_capped_and_old_failures_are_forgotten() -> None:
    cap = throttle.MAX_WAIT.total_seconds()
    assert _wait(throttle.FREE_FAILURES + 30, 0) == cap
    assert _wait(throttle.FREE_FAILURES + 30, cap - 1) == 1
    forget = throttle.FORGET_AFTER.total_seconds()
    assert _wait(throttle.FREE_FAILURES + 30, forget + 1) == 0


def test_naive_database_times_are_read_as_utc() -> None:
    naive = SignInFailure(
        key="name:x", failures=throttle.FREE_FAILURES, last_failure_at=T0.replace(tzinfo=None)
    )
    assert throttle._wait(naive, T0).total_seconds() == 2
