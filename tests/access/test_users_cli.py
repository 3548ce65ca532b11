"""``python -m upload_demo.users``, run for real as a subprocess on the session's database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx

from tests.access.web import post_sign_in, redirect_query, session_token, signed_in_cookie
from tests.conftest import ROOT
from upload_demo import accounts
from upload_demo.users import PASSWORD_ENV

#: A download that does not exist: 404 past the access guard, 403 when refused by it.
NO_SUCH_DOWNLOAD = "/download/987654321"


def users(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI with the session's environment (its ``REFLEX_DB_URL``)."""
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    if password is not None:
        env[PASSWORD_ENV] = password
    return subprocess.run(
        [sys.executable, "-m", "upload_demo.users", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def fresh_name() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


PASSWORD = "a long enough password"


def probe(backend_url: str, cookie: str) -> int:
    return httpx.get(f"{backend_url}{NO_SUCH_DOWNLOAD}", headers={"Cookie": cookie}).status_code


def test_add_from_the_environment_then_list_without_the_hash(backend_url: str) -> None:
    name = fresh_name()
    added = users("add", name, password=PASSWORD)
    assert added.returncode == 0, added.stderr
    assert f"Created member {name}." in added.stdout
    # ada and max exist already: this is not the first account.
    assert "requires sign-in" not in added.stdout
    listed = users("list")
    assert listed.returncode == 0, listed.stderr
    (line,) = [row for row in listed.stdout.splitlines() if row.startswith(f"{name} ")]
    assert line.split()[:3] == [name, "member", "enabled"]
    assert "never" in line
    assert "$argon2" not in listed.stdout + listed.stderr
    assert PASSWORD not in listed.stdout
    assert session_token(post_sign_in(backend_url, name, PASSWORD))


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(backend_url: str) -> None:
    name = fresh_name()
    assert users("add", name, password=PASSWORD).returncode == 0
    cookie = signed_in_cookie(backend_url, name, PASSWORD)
    assert probe(backend_url, cookie) == 404
    disabled = users("disable", name)
    assert disabled.returncode == 0, disabled.stderr
    assert probe(backend_url, cookie) == 403
    refused = post_sign_in(backend_url, name, PASSWORD)
    assert redirect_query(refused)["error"] == "wrong"
    assert session_token(refused) == ""
    listed = users("list").stdout
    assert [row.split()[2] for row in listed.splitlines() if row.startswith(f"{name} ")] == [
        "disabled"
    ]
    assert users("enable", name).returncode == 0
    assert session_token(post_sign_in(backend_url, name, PASSWORD))


def test_set_password_ends_existing_sessions(backend_url: str) -> None:
    name = fresh_name()
    assert users("add", name, password=PASSWORD).returncode == 0
    cookie = signed_in_cookie(backend_url, name, PASSWORD)
    assert probe(backend_url, cookie) == 404
    changed = users("set-password", name, password="another long password")
    assert changed.returncode == 0, changed.stderr
    assert probe(backend_url, cookie) == 403
    assert redirect_query(post_sign_in(backend_url, name, PASSWORD))["error"] == "wrong"
    assert session_token(post_sign_in(backend_url, name, "another long password"))


def test_set_role_makes_an_admin() -> None:
    name = fresh_name()
    assert users("add", name, password=PASSWORD).returncode == 0
    assert users("set-role", name, "admin").returncode == 0
    (account,) = [a for a in accounts.all_accounts() if a.name == name]
    assert account.role == "admin"
    bad = users("set-role", name, "owner")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_a_duplicate_name_exits_2_without_a_traceback() -> None:
    name = fresh_name()
    assert users("add", name, password=PASSWORD).returncode == 0
    again = users("add", name.upper(), password=PASSWORD)
    assert again.returncode == 2
    assert f"there is already an account named {name}" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_short_password_or_a_bad_name_exits_2_and_makes_nothing() -> None:
    name = fresh_name()
    short = users("add", name, password="short")
    assert short.returncode == 2
    assert "at least 10 characters" in short.stderr
    assert "Traceback" not in short.stderr
    assert name not in {a.name for a in accounts.all_accounts()}
    bad = users("add", "../evil", password=PASSWORD)
    assert bad.returncode == 2
    assert "account name" in bad.stderr
    unknown = users("disable", fresh_name())
    assert unknown.returncode == 2
    assert "there is no account named" in unknown.stderr
