"""axe-core in the test browser: scan a page, fail on its serious and critical violations.

axe-core comes from the npm registry, pinned by the Makefile (``make axe``, which
``make test`` runs first) into .tools/axe-core/; the Makefile exports its path as
``UPLOAD_DEMO_AXE_JS``. The E2E suite (the open app) and tests/access (the app with
accounts) both scan with it, each page in the light and in the dark theme.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ROOT

AXE_JS = Path(
    os.environ.get("UPLOAD_DEMO_AXE_JS")
    or ROOT / ".tools" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
)

#: The impacts that fail a scan; "moderate" and "minor" are reported by axe, not enforced.
BLOCKING = ("serious", "critical")

#: The system's setting (``emulate_media(color_scheme=...)``), which the app follows.
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")


@dataclasses.dataclass(frozen=True)
class Allowance:
    """One rule not enforced on the elements matching one selector, and why."""

    rule: str
    selector: str
    why: str


#: Violations a page may carry for a reason given here: none at present.
DEFAULT_ALLOWANCES: tuple[Allowance, ...] = ()

_SCAN = """
async (allowed) => {
  const matches = (target, selector) => {
    if (target.length !== 1 || typeof target[0] !== "string") return false;
    const element = document.querySelector(target[0]);
    return element !== null && element.matches(selector);
  };
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return {
    version: axe.version,
    violations: result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes
        .filter((n) => !allowed.some((a) => a.rule === v.id && matches(n.target, a.selector)))
        .map((n) => ({
          impact: n.impact,
          target: n.target.map((t) => (typeof t === "string" ? t : t.join(" >>> "))).join(" "),
          html: n.html.slice(0, 160),
          summary: n.failureSummary,
        })),
    })),
  };
}
"""

#: Finite animations still running (a dialog opening, a colour fading): colour contrast
#: is measured on what is painted, so the scan waits for them; a spinner's never ends.
_SETTLED = """
() => document.getAnimations().every(
  (a) => a.playState !== "running" || a.effect?.getComputedTiming().endTime === Infinity
)
"""


def axe_script() -> Path:
    """axe-core's browser build; a missing one fails the test (it is part of the set-up)."""
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed at {AXE_JS}: run `make axe` (make test does)")
    return AXE_JS


def open_in_scheme(page: Page, url: str, scheme: Scheme) -> None:
    """Load ``url`` with the system set to ``scheme``, and check the app follows it."""
    page.emulate_media(color_scheme=scheme)
    page.goto(url)
    expect_scheme(page, scheme)


def expect_scheme(page: Page, scheme: Scheme) -> None:
    """The page is drawn in ``scheme``: Reflex's class on <html>, which Radix's colours follow."""
    expect(page.locator("html")).to_have_class(re.compile(rf"(^|\s){scheme}(\s|$)"))


def blocking_violations(
    page: Page, allowances: tuple[Allowance, ...] = DEFAULT_ALLOWANCES
) -> tuple[str, list[dict[str, Any]]]:
    """axe-core's version and its serious or critical violations on the page as it is now."""
    # Not "networkidle": a page may keep a request going (it timed out once on /sign-in).
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    page.wait_for_function(_SETTLED, timeout=10_000, polling=100)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    allowed = [{"rule": a.rule, "selector": a.selector} for a in allowances]
    result = page.evaluate(_SCAN, allowed)
    found = []
    for violation in result["violations"]:
        nodes = [n for n in violation["nodes"] if n["impact"] in BLOCKING]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return result["version"], found


def describe(violations: list[dict[str, Any]]) -> str:
    """One block per violated rule: id, impact, help and its URL, then each element.

    An element is given by axe's selector for it, the start of its HTML and what fails.
    """
    lines = []
    for violation in violations:
        rule, help_text, url = violation["id"], violation["help"], violation["helpUrl"]
        impacts = "/".join(sorted({n["impact"] for n in violation["nodes"]}))
        lines.append(f"- {rule} ({impacts}): {help_text} <{url}>")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}  {node['html']}\n      {summary}")
    return "\n".join(lines)


def expect_accessible(
    page: Page, where: str, allowances: tuple[Allowance, ...] = DEFAULT_ALLOWANCES
) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    version, found = blocking_violations(page, allowances)
    assert not found, (
        f"axe-core {version}: {len(found)} serious or critical violation(s) on {where}:\n"
        + describe(found)
    )


# --- colours as the browser computed them -------------------------------------------------

_NUMBERS = re.compile(r"[-+]?\d*\.?\d+")


def channels(css_color: str) -> tuple[float, float, float]:
    """Red, green and blue (0 to 1) of a computed colour: ``rgb(...)`` or ``color(srgb ...)``."""
    numbers = [float(n) for n in _NUMBERS.findall(css_color)]
    if css_color.startswith("rgb"):
        red, green, blue = (n / 255 for n in numbers[:3])
    elif css_color.startswith("color("):
        red, green, blue = numbers[:3]
    else:
        raise ValueError(f"not a colour this test reads: {css_color!r}")
    return red, green, blue


def luminance(css_color: str) -> float:
    """WCAG relative luminance: 0 for black, 1 for white."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in channels(css_color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def page_background(page: Page) -> str:
    """The page's own background: the Radix theme root's (it follows light and dark)."""
    return page.evaluate(
        "getComputedStyle(document.querySelector('.radix-themes[data-is-root-theme]'))"
        ".backgroundColor"
    )
