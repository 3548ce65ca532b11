"""The app draws itself in the system's light or dark, from the first paint on, and live."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from tests.a11y import SCHEMES, Scheme, expect_scheme, luminance, open_in_scheme, page_background


def _refuse_scripts(refused: list[str]) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        if route.request.resource_type == "script":
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    return handle


#: Each time <html>'s or the root theme's class changes, the root theme's class once the
#: task that changed it is over: what the next frame can show.
_WATCH_ROOT_THEME = """
window.__rootThemeClasses = [];
new MutationObserver(() => {
  const root = document.querySelector('.radix-themes[data-is-root-theme]');
  if (root) window.__rootThemeClasses.push(root.className);
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['class']});
"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_app_starts_in_the_system_theme(page: Page, frontend_url: str, scheme: Scheme) -> None:
    """While React starts, the root theme never shows the other scheme, not for one frame.

    Reflex's colour-mode provider writes "light" on it before the system setting is read;
    components/theme_root.jsx puts the right one back in the same task.
    """
    page.add_init_script(_WATCH_ROOT_THEME)
    open_in_scheme(page, f"{frontend_url}/", scheme)
    expect(page.locator(".radix-themes[data-is-root-theme]")).to_have_class(
        re.compile(rf"(^|\s){scheme}(\s|$)")
    )
    expect(page.locator(".totals")).to_contain_text("stored")
    other = "dark" if scheme == "light" else "light"
    seen = page.evaluate("window.__rootThemeClasses")
    assert seen, "the root theme's class never changed: nothing was watched"
    assert not [c for c in seen if other in c.split()], seen


def test_follows_the_system_setting_live(page: Page, frontend_url: str) -> None:
    open_in_scheme(page, f"{frontend_url}/", "light")
    expect(page.locator(".totals")).to_contain_text("stored")
    assert luminance(page_background(page)) > 0.8, page_background(page)

    # The setting changes while the page is open: the page follows, without a reload.
    page.emulate_media(color_scheme="dark")
    expect_scheme(page, "dark")
    assert luminance(page_background(page)) < 0.05, page_background(page)
    expect(page.locator(".totals")).to_contain_text("stored")

    page.emulate_media(color_scheme="light")
    expect_scheme(page, "light")
    assert luminance(page_background(page)) > 0.8, page_background(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_first_paint_is_in_the_system_theme(
    page: Page, frontend_url: str, scheme: Scheme
) -> None:
    """No flash of the other theme: <html> has the system's class before any of the app's code.

    With every script file refused, React never runs; only the inline script Reflex puts
    in <head> can have set the class that Radix's colours follow. (The production build's
    HTML is prerendered, so the page's text is there either way: that React did not run is
    shown by the websocket it never opened.)
    """
    refused: list[str] = []
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.route("**/*", _refuse_scripts(refused))
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{frontend_url}/images", wait_until="load")
    other = "dark" if scheme == "light" else "light"
    classes = page.evaluate("[...document.documentElement.classList]")
    assert scheme in classes and other not in classes, classes
    assert page.evaluate("document.documentElement.style.colorScheme") == scheme
    assert refused, "the page loaded no script file to refuse"
    page.wait_for_timeout(1000)
    assert sockets == [], sockets
