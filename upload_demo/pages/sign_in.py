"""/sign-in: a plain HTML form posted to the backend, which sets the HttpOnly session cookie.

The password goes from the form straight to ``POST /auth/sign-in``
(auth_routes.py), never through a Reflex event, so the State never holds it. The
backend sends the browser back here with ``?error=...`` when it refuses; this
page's State only turns that into words.
"""

from __future__ import annotations

import reflex as rx

from upload_demo import routes
from upload_demo.access_state import AccessState
from upload_demo.auth_routes import SIGN_IN_PATH
from upload_demo.components.backend_links import backend_url
from upload_demo.components.layout import page_layout
from upload_demo.components.native_form import native_form


class SignInState(rx.State):
    """What the last attempt came to, read from the URL the backend redirected to."""

    message: rx.Field[str] = rx.field(default="")
    refused: rx.Field[bool] = rx.field(default=False)
    next_path: rx.Field[str] = rx.field(default="/")

    @rx.event
    def load(self) -> None:
        """Say why the backend sent the browser back, if it did."""
        params = self.router.url.query_parameters
        next_path = params.get("next") or "/"
        self.next_path = next_path if next_path.startswith("/") else "/"
        error = params.get("error", "")
        self.refused = error != ""
        if error == "wrong":
            self.message = "Wrong name or password."
        elif error == "throttled":
            wait = params.get("wait", "")
            self.message = (
                f"Too many failed sign-ins: wait {wait} s before the next try."
                if wait.isdigit()
                else "Too many failed sign-ins: wait a little before the next try."
            )
        elif params.get("signed_out"):
            self.message = "You are signed out."
        else:
            self.message = ""


def _signed_in_already() -> rx.Component:
    return rx.callout(
        rx.text("Signed in as ", rx.text.strong(AccessState.viewer_name), "."),
        icon="circle-check",
        color_scheme="green",
    )


def _form() -> rx.Component:
    return native_form(
        rx.vstack(
            rx.el.label(rx.text("Account name", size="2", weight="medium"), html_for="name"),
            rx.input(
                id="name",
                name="name",
                auto_complete="username",
                required=True,
                max_length=40,
                width="100%",
            ),
            rx.el.label(rx.text("Password", size="2", weight="medium"), html_for="password"),
            rx.input(
                id="password",
                name="password",
                type="password",
                auto_complete="current-password",
                required=True,
                width="100%",
            ),
            rx.el.input(type="hidden", name="next", value=SignInState.next_path),
            rx.button("Sign in", type="submit", size="3"),
            spacing="2",
            width="100%",
        ),
        action=backend_url(SIGN_IN_PATH.lstrip("/")),
        method="post",
        width="100%",
    )


def sign_in_page() -> rx.Component:
    """The form, and what the last attempt came to."""
    return page_layout(
        "Sign in",
        "Accounts are made by an admin (python -m upload_demo.users add NAME). "
        "The session lives in an HttpOnly cookie; the page never sees it.",
        routes.SIGN_IN,
        rx.card(
            rx.vstack(
                rx.cond(
                    SignInState.message != "",
                    rx.callout(
                        SignInState.message,
                        icon=rx.cond(SignInState.refused, "triangle-alert", "info"),
                        color_scheme=rx.cond(SignInState.refused, "red", "gray"),
                        role="alert",
                        class_name="sign-in-message",
                        width="100%",
                    ),
                ),
                rx.cond(AccessState.signed_in, _signed_in_already()),
                rx.cond(
                    AccessState.open_access,
                    rx.text(
                        "This app has no accounts yet: everything is open on this machine.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                _form(),
                spacing="3",
                width="100%",
            ),
            max_width="420px",
            width="100%",
        ),
    )
