"""A signed-out script against the app with accounts: nothing stored, served, changed or leaked.

Plain HTTP (httpx) straight at the backend, as anyone on the network could send
it, then checks of the database and the upload dir. One file is stored first,
by the member, through the same endpoint with a session cookie: the refusals
below are refusals of a real file.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import reflex as rx
import sqlalchemy
import sqlmodel
from playwright.sync_api import Page, WebSocket, expect

from tests import client, loops, samples
from tests.access.conftest import Person
from tests.access.signing_in import sign_in
from tests.access.web import (
    post_sign_in,
    redirect_query,
    session_token,
    signed_in_cookie,
    upload_with,
)
from tests.backend.uploads import row_count
from tests.conftest import on_two_workers
from tests.db import rows_named, tag
from upload_demo import access, accounts, records, sessions, signing, stores, throttle
from upload_demo.models import Account, SignInFailure, SignInSession, StoredFile
from upload_demo.pages.images import ImagesState
from upload_demo.pages.large import LargeState
from upload_demo.pages.library_state import ONLY_ADMINS_DELETE, LibraryState
from upload_demo.reflex_internals import new_state, with_cookie

HASH_MARK = "$argon2"


def get(backend_url: str, path: str, cookie: str = "") -> httpx.Response:
    headers = {"Cookie": cookie} if cookie else {}
    return httpx.get(f"{backend_url}/{path}", headers=headers, timeout=30)


def assert_refused_quietly(response: httpx.Response, *secrets: str) -> None:
    """A 403 that names nothing it guards."""
    assert response.status_code == 403, (response.status_code, response.text[:300])
    for secret in secrets:
        assert secret not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def files_in(directory: Path) -> set[str]:
    return set(os.listdir(directory))


def store_as(backend_url: str, person: Person, name: str, data: bytes) -> StoredFile:
    """Store a file through the images page's real upload handler, as ``person``'s tab.

    The handler runs here, on the app's database and upload dir, with the router of a
    tab whose websocket carried ``person``'s session cookie: the handler asks that
    session who uploads (a script's HTTP request has no such tab, so it is refused).
    """
    state = new_state(ImagesState)
    with_cookie(state, signed_in_cookie(backend_url, person.name, person.password))
    upload = rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))
    loops.run(ImagesState.handle_upload.fn(state, [upload], 1))
    (row,) = rows_named(name)
    assert row.uploaded_by == person.name
    return row


@pytest.fixture(scope="module")
def stored(backend_url: str, member: Person) -> StoredFile:
    """A PNG the member stored (so it has a thumbnail)."""
    row = store_as(backend_url, member, f"{tag()}-kept.png", samples.image_bytes(seed=4242))
    assert row.preview_name
    return row


# --- uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["buffered", "chunked"])
@pytest.mark.parametrize("cookie", ["", f"{access.COOKIE}=made-up-token"], ids=["none", "forged"])
def test_a_signed_out_upload_is_refused_and_stores_nothing(
    backend_url: str, upload_dir: Path, chunked: bool, cookie: str
) -> None:
    name = f"{tag()}-sneaky.png"
    data = samples.image_bytes(seed=77)
    before, rows_before = files_in(upload_dir), row_count()
    headers = {"Cookie": cookie} if cookie else {}
    if chunked:
        response = client.post_streamed(
            backend_url, LargeState.handle_chunks, [(name, [data])], headers=headers
        )
    else:
        response = upload_with(
            backend_url, ImagesState.handle_upload, [(name, data)], cookie=cookie
        )
    assert_refused_quietly(response, name)
    assert rows_named(name) == []
    assert row_count() == rows_before
    assert files_in(upload_dir) == before


# --- stored bytes -----------------------------------------------------------------------


def paths_of(row: StoredFile) -> list[str]:
    """The file, its thumbnail and its download, as the backend serves them."""
    route = "files" if stores.in_bucket() else "_upload"
    return [f"{route}/{row.stored_name}", f"{route}/{row.preview_name}", f"download/{row.id}"]


def test_stored_bytes_are_refused_signed_out(backend_url: str, stored: StoredFile) -> None:
    for path in paths_of(stored):
        response = get(backend_url, path)
        assert_refused_quietly(response, stored.stored_name, stored.original_name)
        assert response.headers["content-security-policy"] == "sandbox"


def _with_query(path: str, signed: str) -> str:
    """``path`` with the query of another signed URL."""
    return f"{path}?{urlsplit(signed).query}"


def _tampered(signed: str, *, exp: str | None = None, sig: str | None = None) -> str:
    parts = urlsplit(signed)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return f"{parts.path}?exp={exp or query['exp']}&sig={sig or query['sig']}"


def test_forged_altered_expired_and_misplaced_signatures_are_refused(
    backend_url: str, stored: StoredFile
) -> None:
    file_path, _, download_path = paths_of(stored)
    good = signing.sign(file_path)
    good_sig = parse_qs(urlsplit(good).query)["sig"][0]
    flipped = ("0" if good_sig[0] != "0" else "1") + good_sig[1:]
    route = file_path.split("/")[0]
    attempts = {
        "forged": _tampered(good, sig="a" * 64),
        "one digit changed": _tampered(good, sig=flipped),
        "expiry extended": _tampered(good, exp=str(int(time.time()) + 10 * 365 * 86400)),
        "no signature": file_path,
        "signature only": f"{file_path}?sig={good_sig}",
        "another name's signature": _with_query(file_path, signing.sign(f"{route}/x.png")),
        "expired": signing.sign(file_path, ttl=-10),
        "an upload's signature on a download": _with_query(
            download_path, signing.sign(f"{route}/x")
        ),
        "the file's signature on its download": _with_query(download_path, good),
    }
    for what, path in attempts.items():
        response = get(backend_url, path)
        assert response.status_code == 403, what
        assert stored.original_name not in response.text, what
        assert stored.stored_name not in response.text, what


def test_a_valid_signature_serves_with_safe_headers(backend_url: str, stored: StoredFile) -> None:
    file_path, preview_path, download_path = paths_of(stored)
    for path in (file_path, preview_path, download_path):
        response = httpx.get(
            f"{backend_url}/{signing.sign(path)}", timeout=30, follow_redirects=True
        )
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "sandbox"
    download = httpx.get(f"{backend_url}/{signing.sign(download_path)}", timeout=30)
    if download.status_code == 200:  # a bucket redirects to a presigned read instead
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment")
        assert stored.original_name in disposition
        assert hashlib.sha256(download.content).hexdigest() == stored.sha256


def test_a_session_cookie_serves_and_a_made_up_one_does_not(
    backend_url: str, stored: StoredFile, member: Person
) -> None:
    cookie = signed_in_cookie(backend_url, member.name, member.password)
    for path in paths_of(stored):
        response = httpx.get(
            f"{backend_url}/{path}", headers={"Cookie": cookie}, timeout=30, follow_redirects=True
        )
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == "sandbox"
        made_up = get(backend_url, path, f"{access.COOKIE}={uuid.uuid4().hex}")
        assert_refused_quietly(made_up, stored.stored_name)


# --- sign-in ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "", "file://", "http://127.0.0.1.evil.example"]
)
def test_sign_in_from_another_origin_is_refused(
    backend_url: str, member: Person, origin: str
) -> None:
    response = post_sign_in(backend_url, member.name, member.password, origin=origin)
    assert response.status_code == 403
    assert session_token(response) == ""


def test_sign_in_never_redirects_off_the_app(backend_url: str, member: Person) -> None:
    response = post_sign_in(backend_url, member.name, member.password, next_path="//evil.example/x")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.netloc == urlsplit(backend_url).netloc
    assert location.path == "/"


def _failures(key: str) -> int:
    with rx.session() as session:
        found = session.get(SignInFailure, key)
        return found.failures if found is not None else 0


def _last_sign_in(name: str) -> object:
    with rx.session() as session:
        account = session.exec(sqlmodel.select(Account).where(Account.name == name)).one()
        return account.last_sign_in_at


def test_a_burst_of_wrong_passwords_is_throttled_without_checking_them(
    backend_url: str, member: Person
) -> None:
    name_key, address_key = throttle.keys(member.name, "127.0.0.1")
    answers = [
        redirect_query(post_sign_in(backend_url, member.name, f"wrong guess {i}"))["error"]
        for i in range(8)
    ]
    free = throttle.FREE_FAILURES
    assert answers == ["wrong"] * free + ["throttled"] * (8 - free)
    # The throttled tries were not checked: they counted nothing.
    assert _failures(name_key) == free
    assert _failures(address_key) == free
    # Even the right password waits, and signs nobody in.
    signed_before = _last_sign_in(member.name)
    right = post_sign_in(backend_url, member.name, member.password)
    query = redirect_query(right)
    assert query["error"] == "throttled"
    assert int(query["wait"]) >= 1
    assert session_token(right) == ""
    assert _last_sign_in(member.name) == signed_before


def test_guessing_across_names_from_one_address_is_throttled_too(
    backend_url: str, admin: Person
) -> None:
    """A new name each try escapes the per-name count, not the per-address one."""
    answers = [
        redirect_query(post_sign_in(backend_url, f"nobody{i}", "a wrong guess"))["error"]
        for i in range(throttle.FREE_FAILURES + 1)
    ]
    assert answers == ["wrong"] * throttle.FREE_FAILURES + ["throttled"]
    # The address waits whatever the name, a real account's too.
    right = post_sign_in(backend_url, admin.name, admin.password)
    assert redirect_query(right)["error"] == "throttled"


ONE_MINUTE = datetime.timedelta(minutes=1)


def test_a_session_unused_past_the_idle_timeout_ends(member: Person) -> None:
    identity = accounts.verify(member.name, member.password)
    assert identity is not None
    # Only this test's session, so the row it looks up is the only one left to check.
    sessions.close_all_of(identity.account_id)
    token = sessions.open_for(identity.account_id)
    assert access.identity(token) == identity
    stale = datetime.datetime.now(datetime.UTC) - sessions.idle_timeout() - ONE_MINUTE
    with rx.session() as session:
        session.exec(
            sqlalchemy.update(SignInSession)
            .where(sqlmodel.col(SignInSession.account_id) == identity.account_id)
            .values(last_seen_at=stale)
        )
        session.commit()
    assert access.identity(token) is None
    # Gone from the database too, not only refused.
    with rx.session() as session:
        left = session.exec(
            sqlmodel.select(SignInSession).where(SignInSession.account_id == identity.account_id)
        ).all()
    assert left == []


# --- nothing leaks ----------------------------------------------------------------------


def test_the_hash_and_the_token_never_leave_the_server(
    backend_url: str,
    stored: StoredFile,
    member: Person,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    right = post_sign_in(backend_url, member.name, member.password)
    token = session_token(right)
    assert token
    cookie = f"{access.COOKIE}={token}"
    bodies.append(right.text + str(right.headers.get("location")))
    bodies.append(post_sign_in(backend_url, member.name, "not it at all").text)
    bodies.append(post_sign_in(backend_url, "nobody-here", "not it at all").text)
    for path in paths_of(stored):
        bodies.append(get(backend_url, path).text)
        bodies.append(get(backend_url, path, cookie).text[:0])  # the bytes: a PNG
    upload = upload_with(
        backend_url,
        ImagesState.handle_upload,
        [(f"{tag()}-x.png", samples.image_bytes(seed=5))],
        cookie=cookie,
    )
    bodies.append(upload.text)
    for body in bodies:
        assert HASH_MARK not in body
        assert member.password not in body
    # What the app logged (it runs in this process); not this test's own HTTP client.
    logged = "\n".join(
        record.getMessage() + repr(record.args)
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    )
    assert "POST /auth/sign-in" in logged or on_two_workers()
    if on_two_workers():
        logged += request.getfixturevalue("two_worker_app").log()
    assert HASH_MARK not in logged
    assert member.password not in logged
    assert token not in logged


def test_the_state_sent_to_the_browser_holds_no_hash_and_no_token(
    page: Page, frontend_url: str, member: Person
) -> None:
    frames: list[str] = []

    def watch(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: frames.append(str(payload)))
        ws.on("framesent", lambda payload: frames.append(str(payload)))

    page.on("websocket", watch)
    sign_in(page, frontend_url, member.name, member.password, then="/library")
    expect(page.locator(".library-download").first).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c.get("name") == access.COOKIE]
    token = cookie.get("value")
    assert token
    assert frames, "no websocket frames were seen"
    for frame in frames:
        assert HASH_MARK not in frame
        assert token not in frame
    # A member sees no Delete button.
    expect(page.get_by_role("button", name="Delete", exact=False)).to_have_count(0)


def test_an_admin_sees_delete_buttons(page: Page, frontend_url: str, admin: Person) -> None:
    sign_in(page, frontend_url, admin.name, admin.password, then="/library")
    expect(page.get_by_title("Delete").first).to_be_visible()


# --- delete as someone who may not --------------------------------------------------------


@pytest.mark.parametrize("who", ["signed out", "member", "admin"])
def test_the_delete_event_is_refused_unless_an_admin_sends_it(
    backend_url: str, who: str, member: Person, admin: Person
) -> None:
    """The handler itself asks: any client can send the event, whatever its page shows."""
    sha = stored_now(backend_url, member)
    row = records.stored_with(sha)
    assert row is not None and row.id is not None
    person = {"member": member, "admin": admin}.get(who)
    cookie = signed_in_cookie(backend_url, person.name, person.password) if person else ""
    state = new_state(LibraryState)
    with_cookie(state, cookie)
    loops.run(LibraryState.delete_file.fn(state, row.id))
    if who == "admin":
        assert state.notice == f"Deleted “{row.original_name}”."
        assert records.stored_with(sha) is None
    else:
        assert state.notice == ONLY_ADMINS_DELETE
        assert records.stored_with(sha) is not None


def stored_now(backend_url: str, member: Person) -> str:
    """A file the member stores now: its SHA-256."""
    data = samples.image_bytes(seed=uuid.uuid4().int % 1_000_000 + 10_000)
    return store_as(backend_url, member, f"{tag()}-deletable.png", data).sha256
