"""axe-core on the pages only the app with accounts shows, in the light and the dark theme.

The sign-in form (and its refusal), the nav bar of someone signed in, /admin's tables,
forms and confirmation for an admin and its notice for a member, the library with Delete,
and a drop link's page as a visitor sees it: open, after an upload, and revoked. The
open app's pages are scanned in tests/e2e/test_a11y.py; the same rules apply (tests/a11y.py).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import samples
from tests.a11y import SCHEMES, Scheme, expect_accessible, expect_scheme, open_in_scheme
from tests.access.conftest import Person
from tests.access.drop_pages import create_link_on_admin, link_row, open_drop
from tests.access.signing_in import sign_in
from tests.db import tag
from tests.e2e.actions import choose_files, expect_status, open_page
from upload_demo import drop_links


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sign_in_form_and_its_refusal(page: Page, frontend_url: str, scheme: Scheme) -> None:
    open_in_scheme(page, f"{frontend_url}/sign-in?next=/library", scheme)
    expect(page.get_by_label("Account name")).to_be_visible()
    expect_accessible(page, f"/sign-in ({scheme})")

    open_in_scheme(page, f"{frontend_url}/sign-in?error=wrong", scheme)
    expect(page.locator(".sign-in-message")).to_have_text("Wrong name or password.")
    expect_accessible(page, f"/sign-in after a wrong password ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_admins_pages(
    page: Page, frontend_url: str, admin: Person, scheme: Scheme, tmp_path: Path
) -> None:
    sign_in(page, frontend_url, admin.name, admin.password)
    # Something in the library, so its rows (with Delete, for an admin) are scanned too.
    image = tmp_path / f"a11y-{tag()}.png"
    image.write_bytes(samples.image_bytes("PNG", (64, 48), seed=random.randrange(1 << 30)))
    open_page(page, frontend_url, "/images")
    choose_files(page, [image])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status(page, "Done: 1 stored")
    name = image.name
    label = f"Scans {tag()}"
    create_link_on_admin(page, frontend_url, label)

    open_in_scheme(page, f"{frontend_url}/", scheme)
    expect(page.locator(".viewer")).to_have_text(admin.name)
    expect(page.locator(".totals")).to_contain_text("stored")
    expect_accessible(page, f"/ signed in as an admin ({scheme})")

    open_in_scheme(page, f"{frontend_url}/admin", scheme)
    expect(page.locator(".account-row").first).to_be_visible()
    expect(link_row(page, label)).to_be_visible()
    expect_accessible(page, f"/admin ({scheme})")

    link_row(page, label).get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    expect_accessible(page, f"/admin, the revoke confirmation ({scheme})")
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()

    open_in_scheme(page, f"{frontend_url}/library?q={name}", scheme)
    expect(
        page.locator(".library-row").get_by_role("button", name=f"Delete {name}")
    ).to_be_visible()
    expect_accessible(page, f"/library signed in as an admin ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_members_admin_notice(
    page: Page, frontend_url: str, member: Person, scheme: Scheme
) -> None:
    sign_in(page, frontend_url, member.name, member.password)
    open_in_scheme(page, f"{frontend_url}/admin", scheme)
    expect(page.locator(".not-admin")).to_be_visible()
    expect_accessible(page, f"/admin as a member ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_drop_links_page(
    browser: Browser, frontend_url: str, scheme: Scheme, tmp_path: Path
) -> None:
    link = drop_links.create(f"Receipts {tag()}", "ada", max_files=3)
    assert link.id is not None
    url = f"{frontend_url}/drop/{link.token}"
    visitor = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        tab = visitor.new_page()
        tab.emulate_media(color_scheme=scheme)
        open_drop(tab, url)
        expect_scheme(tab, scheme)
        expect(tab.locator(".drop-limits")).to_be_visible()
        expect_accessible(tab, f"an open drop link ({scheme})")

        sample = tmp_path / f"{tag()}-receipt.bin"
        sample.write_bytes(b"drop link a11y " + os.urandom(1024))
        choose_files(tab, [sample])
        tab.get_by_role("button", name="Upload", exact=True).click()
        expect_status(tab, "Done: 1 stored")
        expect(tab.locator(".file-list")).to_contain_text(sample.name)
        expect_accessible(tab, f"a drop link after an upload ({scheme})")

        drop_links.revoke(link.id)
        open_drop(tab, url)
        expect(tab.locator(".drop-refusal")).to_be_visible()
        expect_accessible(tab, f"a revoked drop link ({scheme})")
    finally:
        visitor.close()
