"""/tus/ with accounts: nothing made or read signed out; an upload is its uploader's alone."""

from __future__ import annotations

import httpx

from tests.access.conftest import Person
from tests.access.web import signed_in_cookie
from tests.backend import tus_client as raw


def test_signed_out_creation_is_refused_and_makes_nothing(backend_url: str) -> None:
    response = raw.create(backend_url, 1000, name="signed-out.pdf")
    assert response.status_code == 403
    assert response.json()["detail"] == "Sign in to upload."
    assert "location" not in response.headers
    made_up = raw.create(backend_url, 1000, **{"Reflex-Client-Token": "made-up-token"})
    assert made_up.status_code == 403


def test_an_upload_is_invisible_to_anyone_but_its_uploader(
    backend_url: str, admin: Person, member: Person
) -> None:
    mine = {"Cookie": signed_in_cookie(backend_url, member.name, member.password)}
    theirs = {"Cookie": signed_in_cookie(backend_url, admin.name, admin.password)}
    data = raw.pdf_bytes(200_000, seed=21)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data), **mine))
    row = raw.upload_row(url)
    assert row is not None and row.uploaded_by == member.name

    # Signed out: refused before anything is looked up.
    assert raw.head(url).status_code == 403
    assert raw.patch(url, 0, data).status_code == 403
    assert httpx.delete(url, headers=raw.HEADERS).status_code == 403
    # Another account, an admin too: no such upload.
    assert httpx.head(url, headers={**raw.HEADERS, **theirs}).status_code == 404
    assert raw.patch(url, 0, data, **theirs).status_code == 404
    assert httpx.delete(url, headers={**raw.HEADERS, **theirs}).status_code == 404
    row = raw.upload_row(url)
    assert row is not None and row.received == 0

    assert raw.patch(url, 0, data, **mine).status_code == 204
    stored = raw.upload_row(url)
    assert stored is not None and stored.finished and stored.stored
