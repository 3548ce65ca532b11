"""Playwright fixtures: one Chromium for the session, a fresh context per test.

A plugin of the root conftest (``pytest_plugins``), so the E2E suite and the
cross-worker tests in tests/scale share the one browser: a second session-scoped
Playwright in the same run would refuse to start inside the first one's loop.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """PLAYWRIGHT_CHROMIUM_PATH, then a system Chromium, else Playwright's own (None)."""
    explicit = os.environ.get("PLAYWRIGHT_CHROMIUM_PATH")
    if explicit:
        return explicit
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(name).exists():
            return name
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, shared by every E2E test."""
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, frontend_url: str) -> Iterator[Page]:
    """A fresh browser context (new Reflex client token) for each test, once the app runs."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()
