"""Signing in and out through the real form, as a person does."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def at_page(frontend_url: str, path: str) -> re.Pattern[str]:
    """The URL of ``path`` (with its ``?next=...`` if any), as the dev or the prod build has it.

    The production build serves each page as a directory: /library is /library/ there.
    """
    page, _, query = path.partition("?")
    pattern = re.escape(frontend_url + page) + "/?"
    if query:
        pattern += re.escape(f"?{query}") + "(%2F)?"
    return re.compile(pattern + "$")


def sign_in(page: Page, frontend_url: str, name: str, password: str, then: str = "/") -> None:
    """Fill the sign-in form and wait until the nav bar shows the account."""
    page.goto(f"{frontend_url}/sign-in?next={then}")
    # The form's next comes from the page's on_load: submitted before it, the sign-in
    # would land on "/" (seen once on the slower two-worker build).
    expect(page.locator("input[name=next]")).to_have_value(then)
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".viewer")).to_have_text(name.lower())


def sign_out(page: Page) -> None:
    """Press Sign out in the nav bar and wait for the sign-in page to say so."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".sign-in-message")).to_have_text("You are signed out.")
