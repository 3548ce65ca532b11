"""The app wrap that keeps the first frames in the system's theme (``theme_root.jsx``)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from upload_demo.reflex_internals import color_mode_provider_order

LIBRARY = "$/public" + rx.asset("theme_root.jsx", shared=True)


class ThemeRootSync(rx.Component):
    """Puts ``<html>``'s light or dark back on the root theme after Reflex's first write."""

    library = LIBRARY
    tag = "ThemeRootSync"


def app_wraps() -> dict[tuple[int, str], Callable[[bool], rx.Component | None]]:
    """For ``rx.App(extra_app_wraps=...)``: just outside Reflex's colour-mode provider."""
    return {(color_mode_provider_order() + 1, "ThemeRootSync"): lambda _: ThemeRootSync.create()}
