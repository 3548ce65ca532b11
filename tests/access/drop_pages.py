"""Steps on /admin's drop links and on a drop link's page, as a person takes them."""

from __future__ import annotations

import datetime

import reflex as rx
import sqlmodel
from playwright.sync_api import Locator, Page, expect

from upload_demo.models import DropLink


def link_row(page: Page, label: str) -> Locator:
    """The admin page's entry for the link labelled ``label``."""
    return page.locator(".link-row").filter(has=page.locator(".link-label", has_text=label))


def create_link_on_admin(page: Page, frontend_url: str, label: str, max_files: str = "") -> str:
    """Fill /admin's link form (the admin is signed in); returns the link's full URL."""
    page.goto(f"{frontend_url}/admin")
    expect(page.get_by_role("heading", name="Drop links")).to_be_visible()
    page.get_by_label("Label").fill(label)
    if max_files:
        page.get_by_label("Max files (optional)").fill(max_files)
    page.get_by_role("button", name="Create link").click()
    expect(page.locator(".link-message")).to_contain_text(f"Made the link “{label}”")
    url = link_row(page, label).locator(".link-url input").input_value()
    assert url.startswith(f"{frontend_url}/drop/"), url
    return url


def open_drop(page: Page, url: str) -> None:
    """Open a drop link and wait until the page has looked the link up."""
    page.goto(url)
    expect(page.locator(".drop-refusal, .progress-text").first).to_be_visible()
    expect(page.locator(".drop-refusal, .progress-text").first).not_to_contain_text("Connecting")


def link_labelled(label: str) -> DropLink:
    """The link's row in the database."""
    with rx.session() as session:
        found = session.exec(sqlmodel.select(DropLink).where(DropLink.label == label)).one()
        session.expunge(found)
        return found


def expire(link_id: int) -> None:
    """Move the link's expiry into the past, as time would."""
    with rx.session() as session:
        link = session.get(DropLink, link_id)
        assert link is not None
        link.expires_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
        session.add(link)
        session.commit()


def client_token(page: Page) -> str:
    """The tab's Reflex client token (kept in sessionStorage)."""
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert isinstance(token, str) and token, token
    return token
