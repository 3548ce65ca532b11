"""Keyboard focus is visible: Tab to a control, and its ring is there and reads on the page.

The ring is the element's outline, or its ``::after``'s for a home card (the title's
link covers the card, and so does its ring). Visible means a solid outline of at least
2 px whose colour has 3:1 against the page's background, in the light and the dark theme.
"""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from tests import samples
from tests.a11y import SCHEMES, Scheme, contrast, open_in_scheme, page_background
from tests.backend.uploads import upload
from tests.db import tag
from upload_demo.pages.images import ImagesState

#: (page, the control Tab must reach, where its ring is drawn, what it is).
CONTROLS = [
    ("/", "nav a[href='/library']", "", "a nav link"),
    ("/", ".card-link[href='/images']", "::after", "a home card"),
    ("/images", ".dropzone", "", "the dropzone"),
    ("/images", ".gallery-item", "", "a gallery tile (a button drawn as a card)"),
    ("/images", "main .rt-variant-soft:enabled", "", "a soft gray button (Clear)"),
    ("/library", ".library-open", "", "a plain button (a row's preview)"),
    ("/library", ".library-download", "", "an icon button's link"),
]

_RING = """
([selector, pseudo]) => {
  const element = document.activeElement;
  if (!element || !element.matches(selector)) return null;
  const style = getComputedStyle(element, pseudo || null);
  return { style: style.outlineStyle, width: style.outlineWidth, color: style.outlineColor };
}
"""


@pytest.fixture(scope="module")
def an_image(backend_url: str) -> None:
    """One stored image, so the gallery and the library have a row to focus."""
    data = samples.image_bytes("PNG", (64, 48), seed=random.randrange(1 << 30))
    _, outcomes = upload(backend_url, ImagesState, [(f"focus-{tag()}.png", data)])
    assert outcomes[0]["stored"], outcomes


def _tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would reach it."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{presses} presses of Tab never reached {selector}")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("route", "selector", "pseudo", "what"), CONTROLS)
def test_keyboard_focus_is_visible(
    page: Page,
    frontend_url: str,
    an_image: None,
    route: str,
    selector: str,
    pseudo: str,
    what: str,
    scheme: Scheme,
) -> None:
    open_in_scheme(page, f"{frontend_url}{route}", scheme)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(selector).first).to_be_visible()
    _tab_to(page, selector)
    ring = page.evaluate(_RING, [selector, pseudo])
    assert ring is not None, f"{what} lost the focus"
    assert ring["style"] == "solid", f"{what} ({scheme}): no focus ring ({ring})"
    assert float(ring["width"].removesuffix("px")) >= 2, f"{what} ({scheme}): {ring}"
    background = page_background(page)
    ratio = contrast(ring["color"], background)
    assert ratio >= 3, f"{what} ({scheme}): ring {ring['color']} on {background} is {ratio:.2f}:1"
