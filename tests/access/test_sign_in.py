"""Signing in and out in Chromium: the session cookie, reloads, wrong passwords."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests import samples
from tests.access.conftest import Person
from tests.access.signing_in import at_page, sign_in, sign_out
from tests.db import rows_named, tag
from tests.e2e.actions import choose_files, expect_status, open_page
from upload_demo import access


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_afterwards(
    page: Page, frontend_url: str, member: Person
) -> None:
    page.goto(f"{frontend_url}/library")
    expect(page).to_have_url(at_page(frontend_url, "/sign-in?next=%2Flibrary"))
    page.get_by_label("Account name").fill(member.name)
    page.get_by_label("Password").fill(member.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(at_page(frontend_url, "/library"))
    expect(page.locator(".viewer")).to_have_text(member.name)


def test_the_session_cookie_is_httponly_and_survives_a_reload(
    page: Page, frontend_url: str, member: Person
) -> None:
    sign_in(page, frontend_url, member.name, member.password)
    (cookie,) = [c for c in page.context.cookies() if c.get("name") == access.COOKIE]
    assert cookie.get("httpOnly") is True
    assert cookie.get("sameSite") == "Strict"
    assert page.evaluate("document.cookie").find(access.COOKIE) == -1
    page.reload()
    expect(page.locator(".viewer")).to_have_text(member.name)
    sign_out(page)
    page.goto(f"{frontend_url}/images")
    expect(page).to_have_url(at_page(frontend_url, "/sign-in?next=%2Fimages"))


def test_a_wrong_password_is_refused_with_a_message(
    page: Page, frontend_url: str, member: Person
) -> None:
    page.goto(f"{frontend_url}/sign-in")
    page.get_by_label("Account name").fill(member.name)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".sign-in-message")).to_have_text("Wrong name or password.")
    assert not [c for c in page.context.cookies() if c.get("name") == access.COOKIE]


def test_a_member_uploads_and_the_record_names_them(
    page: Page, frontend_url: str, member: Person, tmp_path: Path
) -> None:
    """Both kinds of handler: the buffered /images and the streamed /large."""
    sign_in(page, frontend_url, member.name, member.password)
    for route, name, data in (
        ("/images", f"{tag()}-by-member.png", samples.image_bytes("PNG", seed=777)),
        ("/large", f"{tag()}-by-member.bin", b"member's archive " + os.urandom(4096)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        open_page(page, frontend_url, route)
        choose_files(page, [path])
        page.get_by_role("button", name="Upload", exact=True).click()
        expect_status(page, "Done: 1 stored, 0 rejected.")
        (row,) = rows_named(name)
        assert row.uploaded_by == member.name
    # The library shows the uploader and filters by it; a member gets no Delete button.
    page.goto(f"{frontend_url}/library?by={member.name}")
    expect(page.locator(".library-row").first).to_be_visible()
    expect(page.locator(".library-uploader").first).to_have_text(f"by {member.name}")
    expect(page.get_by_role("button", name=re.compile("^Delete "))).to_have_count(0)
