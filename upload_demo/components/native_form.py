"""A ``<form>`` the browser submits itself (a real POST and navigation), for sign-in and sign-out.

``rx.el.form`` always cancels the native submission (with no ``on_submit`` it
installs ``prevent_default``, and its submit hook calls ``preventDefault``), so
a form posted to the backend's auth routes never left the page. This element
is the bare tag: no hooks, no handler, only ``action`` and ``method``.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    """``<form action=... method=...>`` without Reflex's submit handling."""

    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


native_form = NativeForm.create
