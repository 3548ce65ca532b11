"""Drop links in Chromium: an admin makes one, someone without an account uploads through it.

The visitor's browser is a fresh context (no cookie, a new Reflex client token),
as a stranger's would be. What is stored is checked in the database, and what
the link refuses is checked on the page and at the upload endpoint.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import reflex as rx
import sqlmodel
from playwright.sync_api import Browser, Page, expect

from tests import client
from tests.access.conftest import Person
from tests.access.drop_pages import (
    client_token,
    create_link_on_admin,
    expire,
    link_labelled,
    link_row,
    open_drop,
)
from tests.access.signing_in import at_page, sign_in
from tests.db import rows_named, tag
from tests.e2e.actions import choose_files, expect_status
from upload_demo import access, drop_links
from upload_demo.models import StoredFile
from upload_demo.pages.drop import DropState


def _sample(tmp_path: Path, name: str) -> Path:
    """A file of unique bytes (never a duplicate of a stored one)."""
    path = tmp_path / name
    path.write_bytes(b"drop link sample " + os.urandom(2048))
    return path


def _upload(page: Page, path: Path) -> None:
    choose_files(page, [path])
    page.get_by_role("button", name="Upload", exact=True).click()


def test_a_visitor_uploads_through_a_link_and_sees_only_their_own_files(
    page: Page, browser: Browser, frontend_url: str, admin: Person, tmp_path: Path
) -> None:
    label = f"Invoices {tag()}"
    sign_in(page, frontend_url, admin.name, admin.password)
    url = create_link_on_admin(page, frontend_url, label)
    link = link_labelled(label)

    visitor = browser.new_context()
    try:
        tab = visitor.new_page()
        open_drop(tab, url)
        expect(tab.get_by_role("heading", level=1)).to_have_text(label)
        expect(tab.locator("nav")).to_have_count(0)
        sample = _sample(tmp_path, f"{tag()}-invoice.bin")
        _upload(tab, sample)
        expect_status(tab, "Done: 1 stored")
        expect(tab.locator(".upload-files")).to_contain_text(sample.name)

        (row,) = rows_named(sample.name)
        assert row.uploaded_by == access.VIA_DROP_LINK
        assert row.drop_link_id == link.id
        assert row.source_page == "drop"

        # A drop link opens its own page only.
        tab.goto(f"{frontend_url}/library")
        expect(tab).to_have_url(at_page(frontend_url, "/sign-in?next=%2Flibrary"))
    finally:
        visitor.close()

    stranger = browser.new_context()
    try:
        tab = stranger.new_page()
        open_drop(tab, url)
        expect(tab.get_by_text("Nothing uploaded in this visit yet.")).to_be_visible()
        expect(tab.get_by_text(sample.name)).to_have_count(0)
    finally:
        stranger.close()

    # The admin's library names the link the file came through.
    page.goto(f"{frontend_url}/library?q={sample.name}")
    expect(page.locator(".library-row")).to_have_count(1)
    expect(page.locator(".library-drop-link")).to_have_text(f"via drop link “{label}”")
    page.goto(f"{frontend_url}/admin")
    expect(link_row(page, label).locator(".link-usage")).to_contain_text("1 file")


def test_a_link_at_its_file_limit_refuses_with_the_reason(
    browser: Browser, frontend_url: str, tmp_path: Path
) -> None:
    link = drop_links.create(f"One file {tag()}", "ada", max_files=1)
    visitor = browser.new_context()
    try:
        tab = visitor.new_page()
        open_drop(tab, f"{frontend_url}/drop/{link.token}")
        expect(tab.locator(".drop-limits")).to_have_text("This link takes up to 1 file.")
        first, second = _sample(tmp_path, f"{tag()}-a.bin"), _sample(tmp_path, f"{tag()}-b.bin")
        _upload(tab, first)
        expect_status(tab, "Done: 1 stored")
        _upload(tab, second)
        expect_status(tab, "Failed: This drop link has taken its 1 file; it accepts no more.")
        assert rows_named(second.name) == []
        assert drop_links.usage(link.id or 0).files == 1
    finally:
        visitor.close()


def test_bytes_stored_before_are_not_named_to_a_visitor(
    browser: Browser, frontend_url: str, tmp_path: Path
) -> None:
    """A repeat of someone else's file: "already stored", with no name and no link to it."""
    secret = _sample(tmp_path, f"{tag()}-board-minutes.bin")
    first = drop_links.create(f"First {tag()}", "ada")
    second = drop_links.create(f"Second {tag()}", "ada")
    for link in (first, second):
        visitor = browser.new_context()
        try:
            tab = visitor.new_page()
            open_drop(tab, f"{frontend_url}/drop/{link.token}")
            again = tmp_path / f"{tag()}-again.bin"
            again.write_bytes(secret.read_bytes())
            _upload(tab, secret if link is first else again)
            if link is first:
                expect_status(tab, "Done: 1 stored")
                continue
            expect_status(tab, "Done: 0 stored, 1 already stored, 0 rejected.")
            outcome = tab.locator(".file-repeat")
            expect(outcome).to_contain_text("already stored (nothing new was kept)")
            expect(outcome).not_to_contain_text(secret.name)
            expect(outcome.get_by_role("link")).to_have_count(0)
        finally:
            visitor.close()


def test_an_expired_link_says_so_and_shows_no_dropzone(browser: Browser, frontend_url: str) -> None:
    link = drop_links.create(f"Expiring {tag()}", "ada")
    assert link.id is not None
    expire(link.id)
    visitor = browser.new_context()
    try:
        tab = visitor.new_page()
        open_drop(tab, f"{frontend_url}/drop/{link.token}")
        expect(tab.locator(".drop-refusal")).to_have_text(
            "This drop link has expired; it accepts no more files."
        )
        expect(tab.locator(".dropzone")).to_have_count(0)
    finally:
        visitor.close()


def test_an_unknown_token_says_so(page: Page, frontend_url: str) -> None:
    open_drop(page, f"{frontend_url}/drop/not-a-token")
    expect(page.locator(".drop-refusal")).to_have_text("This drop link does not exist.")
    expect(page.locator(".dropzone")).to_have_count(0)


def _post_as(backend_url: str, token: str, name: str) -> int:
    response = client.post_streamed(
        backend_url,
        DropState.handle_chunks,
        [(name, [b"hostile " + os.urandom(512)])],
        token=token,
        timeout=60,
    )
    return response.status_code


def test_a_revoked_link_refuses_the_page_and_a_direct_post(
    page: Page, browser: Browser, frontend_url: str, backend_url: str, admin: Person
) -> None:
    label = f"Revoke me {tag()}"
    sign_in(page, frontend_url, admin.name, admin.password)
    url = create_link_on_admin(page, frontend_url, label)
    visitor = browser.new_context()
    try:
        tab = visitor.new_page()
        open_drop(tab, url)
        expect(tab.locator(".dropzone")).to_be_visible()
        token = client_token(tab)
        # While the link is open, the tab's grant lets a script upload through it...
        before = f"{tag()}-before.bin"
        # 202: the streaming handler runs in the background; its row follows.
        assert _post_as(backend_url, token, before) == 202
        deadline = time.monotonic() + 15
        while not rows_named(before) and time.monotonic() < deadline:
            time.sleep(0.2)
        (row,) = rows_named(before)
        assert row.uploaded_by == access.VIA_DROP_LINK

        row_on_admin = link_row(page, label)
        row_on_admin.get_by_role("button", name="Revoke").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
        expect(row_on_admin.locator(".link-status")).to_have_text("revoked")
        expect(row_on_admin.get_by_role("button", name="Revoke")).to_have_count(0)

        # ...and once it is revoked, not even with the same client token.
        after = f"{tag()}-after.bin"
        assert _post_as(backend_url, token, after) == 403
        assert rows_named(after) == []
        open_drop(tab, url)
        expect(tab.locator(".drop-refusal")).to_have_text(
            "This drop link was revoked; it accepts no more files."
        )
        expect(tab.locator(".dropzone")).to_have_count(0)
    finally:
        visitor.close()


def test_a_link_grant_opens_no_other_upload_page(
    browser: Browser, frontend_url: str, backend_url: str
) -> None:
    """A drop link's tab may upload to its drop page only, not to /large's handler."""
    from upload_demo.pages.large import LargeState

    link = drop_links.create(f"Narrow {tag()}", "ada")
    visitor = browser.new_context()
    try:
        tab = visitor.new_page()
        open_drop(tab, f"{frontend_url}/drop/{link.token}")
        name = f"{tag()}-elsewhere.bin"
        response = client.post_streamed(
            backend_url,
            LargeState.handle_chunks,
            [(name, [os.urandom(512)])],
            token=client_token(tab),
        )
        assert response.status_code == 403
        with rx.session() as session:
            query = sqlmodel.select(StoredFile).where(StoredFile.original_name == name)
            assert session.exec(query).first() is None
    finally:
        visitor.close()
