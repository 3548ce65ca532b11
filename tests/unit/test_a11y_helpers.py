"""The a11y tests' own arithmetic and report: contrast as WCAG defines it, a readable failure."""

from __future__ import annotations

import pytest

from tests.a11y import channels, contrast, describe, luminance


def test_contrast_is_wcags() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(255, 255, 255)", "rgb(255, 255, 255)") == pytest.approx(1)
    # Radix's indigo 9 on white, and the amber text on amber that axe refused (4.24:1).
    assert contrast("rgb(62, 99, 221)", "rgb(255, 255, 255)") == pytest.approx(5.21, abs=0.01)
    assert contrast("rgb(171, 100, 0)", "rgb(255, 247, 194)") == pytest.approx(4.24, abs=0.01)


def test_channels_read_both_computed_forms() -> None:
    assert channels("rgba(255, 0, 0, 0.5)") == pytest.approx((1, 0, 0))
    assert channels("color(srgb 0.5 0.25 1)") == pytest.approx((0.5, 0.25, 1))
    assert luminance("rgb(255, 255, 255)") == pytest.approx(1)
    with pytest.raises(ValueError, match="not a colour"):
        channels("oklch(0.5 0.1 200)")


def test_a_failure_names_rule_impact_element_and_help() -> None:
    text = describe(
        [
            {
                "id": "label",
                "help": "Form elements must have labels",
                "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/label",
                "nodes": [
                    {
                        "impact": "critical",
                        "target": "#name",
                        "html": '<input id="name">',
                        "summary": "Fix any of the following:\n  no label",
                    }
                ],
            }
        ]
    )
    assert text.splitlines() == [
        "- label (critical): Form elements must have labels "
        "<https://dequeuniversity.com/rules/axe/4.14/label>",
        '    #name  <input id="name">',
        "      Fix any of the following: no label",
    ]
