"""/admin in Chromium: only admins see it; an account added there can sign in."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.access.conftest import Person
from tests.access.signing_in import sign_in
from tests.db import tag
from upload_demo import accounts


def test_a_member_opening_admin_sees_no_data(page: Page, frontend_url: str, member: Person) -> None:
    sign_in(page, frontend_url, member.name, member.password)
    expect(page.locator("nav").get_by_role("link", name="Admin")).to_have_count(0)
    page.goto(f"{frontend_url}/admin")
    expect(page.locator(".not-admin")).to_have_text("Only admins manage accounts and links.")
    expect(page.locator(".account-row")).to_have_count(0)
    expect(page.locator(".link-row")).to_have_count(0)
    expect(page.get_by_role("button", name="Add account")).to_have_count(0)


def test_an_admin_adds_an_account_that_can_sign_in(
    page: Page, browser: Browser, frontend_url: str, admin: Person
) -> None:
    name, password = f"new{tag()}", "a fresh password for the new one"
    sign_in(page, frontend_url, admin.name, admin.password)
    page.locator("nav").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Initial password").fill(password)
    page.get_by_role("button", name="Add account").click()
    expect(page.locator(".account-message")).to_have_text(
        f"Added {name} (member); they can sign in now."
    )
    expect(page.locator(".account-row", has_text=name)).to_be_visible()
    # The form is cleared: the password stays nowhere on the page.
    expect(page.get_by_label("Initial password")).to_have_value("")

    newcomer = browser.new_context()
    try:
        tab = newcomer.new_page()
        sign_in(tab, frontend_url, name, password)
    finally:
        newcomer.close()


def test_an_unacceptable_account_is_refused_with_the_reason(
    page: Page, frontend_url: str, admin: Person
) -> None:
    sign_in(page, frontend_url, admin.name, admin.password, then="/admin")
    page.get_by_label("Name", exact=True).fill(f"short{tag()}")
    page.get_by_label("Initial password").fill("short")
    # The browser's own check (minlength) is bypassed, as a script would.
    page.get_by_label("Initial password").evaluate("e => e.removeAttribute('minlength')")
    page.get_by_role("button", name="Add account").click()
    expect(page.locator(".account-message")).to_have_text(
        f"Not added: a password has at least {accounts.MIN_PASSWORD_LENGTH} characters."
    )


def test_an_admin_cannot_lock_themselves_out(page: Page, frontend_url: str, admin: Person) -> None:
    sign_in(page, frontend_url, admin.name, admin.password, then="/admin")
    own = page.locator(".account-row").filter(
        has=page.get_by_role("rowheader", name=admin.name, exact=True)
    )
    own.get_by_role("button", name="Disable").click()
    expect(page.locator(".account-message")).to_have_text(
        "You cannot disable your own account: another admin has to."
    )
    own.get_by_role("button", name="Make member").click()
    expect(page.locator(".account-message")).to_have_text(
        "You cannot drop your own admin role: another admin has to."
    )
    assert [a.role for a in accounts.all_accounts() if a.name == admin.name] == ["admin"]
    assert [a.disabled for a in accounts.all_accounts() if a.name == admin.name] == [False]
