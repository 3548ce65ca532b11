"""URLs on the backend (the upload dir, downloads, sign-in), as the browser must write them."""

from __future__ import annotations

import reflex as rx

from upload_demo.reflex_internals import js_expression


def backend_url(route: str | rx.Var) -> rx.vars.StringVar:
    """``route`` (say ``"download/7"``, or a Var holding one) on the backend serving ``/_upload``.

    Resolved against the same URL as ``rx.get_upload_url``, so it follows
    ``api_url`` and ``backend_path`` as Reflex's own link does.
    """
    upload_root = rx.get_upload_url("")
    if isinstance(route, rx.Var):
        relative = route.to(str)
        return js_expression(
            f'new URL("../" + {relative!s}, {upload_root!s}).href', upload_root, relative
        ).to(str)
    return js_expression(f'new URL("../{route}", {upload_root!s}).href', upload_root).to(str)
