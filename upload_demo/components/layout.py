"""The frame of every page: nav bar, heading, what the page demonstrates, its source.

Also the one notice of who may fetch stored files, shown wherever files are.
"""

from __future__ import annotations

import reflex as rx

from upload_demo import access, stores
from upload_demo.access_state import AccessState
from upload_demo.auth_routes import SIGN_OUT_PATH
from upload_demo.components.backend_links import backend_url
from upload_demo.reflex_internals import native_form_submit
from upload_demo.routes import NAV_ADMIN, NAV_ALL, ROUTES, Route


def _nav_link(route: Route) -> rx.Component:
    return rx.link(route.nav_label, href=route.path, weight="medium", size="3", underline="hover")


def viewer_box() -> rx.Component:
    """Who is signed in, with Sign out (a form posted to the backend); else Sign in."""
    return rx.cond(
        AccessState.signed_in,
        rx.el.form(
            rx.hstack(
                rx.icon("circle-user", size=16),
                rx.text(AccessState.viewer_name, size="2", weight="medium", class_name="viewer"),
                rx.badge(AccessState.viewer_role, variant="soft", size="1"),
                rx.button("Sign out", type="submit", variant="soft", size="1"),
                align="center",
                spacing="2",
            ),
            action=backend_url(SIGN_OUT_PATH.lstrip("/")),
            method="post",
            on_submit=native_form_submit(),
        ),
        rx.cond(
            AccessState.open_access,
            # High contrast: amber-11 on amber-3 is under 4.5:1 at this size in the light theme.
            rx.badge("Open: no accounts", color_scheme="amber", variant="soft", high_contrast=True),
            rx.link("Sign in", href="/sign-in", weight="medium", size="3"),
        ),
    )


def navbar() -> rx.Component:
    """Links to all pages (the admin's only for admins) and who is signed in."""
    return rx.el.nav(
        rx.hstack(
            rx.hstack(
                rx.icon("folder-up", size=22),
                rx.text("upload_demo", weight="bold", size="4"),
                align="center",
                spacing="2",
            ),
            rx.hstack(
                *[_nav_link(route) for route in ROUTES if route.nav == NAV_ALL],
                *[
                    rx.cond(AccessState.may_manage, _nav_link(route))
                    for route in ROUTES
                    if route.nav == NAV_ADMIN
                ],
                viewer_box(),
                spacing="5",
                wrap="wrap",
                align="center",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            max_width="1100px",
            margin_x="auto",
            padding_x="1.5em",
            padding_y="0.9em",
            spacing="4",
        ),
        aria_label="Main",
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


#: The name of every page's hidden frame that download links open in (see
#: ``file_views.DOWNLOAD_LINK_ATTRS``): an attachment there downloads, the tab stays put.
DOWNLOAD_FRAME = "downloads"


def page_layout(title: str, summary: str, route: Route, *children: rx.Component) -> rx.Component:
    """A page: heading, one sentence on the Reflex feature shown, and its source file."""
    return rx.box(
        navbar(),
        rx.el.iframe(name=DOWNLOAD_FRAME, title="Downloads", hidden=True),
        rx.el.main(
            rx.vstack(
                rx.heading(title, size="8", as_="h1"),
                rx.text(summary, size="4", color_scheme="gray"),
                rx.text(
                    "Source: ",
                    rx.code(route.source, variant="ghost"),
                    size="2",
                    color_scheme="gray",
                ),
                *children,
                spacing="4",
                max_width="1100px",
                margin_x="auto",
                padding="1.5em",
                width="100%",
            ),
        ),
        min_height="100vh",
        background_color="var(--gray-2)",
    )


def minimal_layout(*children: rx.Component, source: str) -> rx.Component:
    """A page for someone without an account (a drop link's): no nav bar, nothing to follow."""
    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.icon("folder-up", size=22),
                rx.text("upload_demo", weight="bold", size="4"),
                align="center",
                spacing="2",
                max_width="900px",
                margin_x="auto",
                padding_x="1.5em",
                padding_y="0.9em",
            ),
            border_bottom="1px solid var(--gray-a5)",
            background_color="var(--color-panel-solid)",
            width="100%",
        ),
        rx.el.main(
            rx.vstack(
                *children,
                rx.text(
                    "Source: ", rx.code(source, variant="ghost"), size="1", color_scheme="gray"
                ),
                spacing="4",
                max_width="900px",
                margin_x="auto",
                padding="1.5em",
                width="100%",
            ),
        ),
        min_height="100vh",
        background_color="var(--gray-2)",
    )


def open_access_callout(before: str, after: str = "", class_name: str = "") -> rx.Component:
    """The amber note of the open app (no accounts yet), with the command that closes it.

    High contrast: amber text on amber is under 4.5:1 in the light theme otherwise.
    """
    return rx.callout.root(
        rx.callout.icon(rx.icon("lock-open")),
        rx.callout.text(before, rx.code(access.FIRST_ADMIN_COMMAND, high_contrast=True), after),
        color_scheme="amber",
        high_contrast=True,
        width="100%",
        class_name=class_name,
    )


def privacy_notice() -> rx.Component:
    """Who can fetch a stored file: say so, and why the files cannot be listed."""
    bucket = (
        " They live in a private bucket, read through presigned URLs that expire in minutes."
        if stores.in_bucket()
        else ""
    )
    return rx.hstack(
        rx.icon("info", size=14, color="var(--gray-9)"),
        rx.text(
            rx.cond(
                AccessState.open_access,
                "With no accounts, stored files are open to anyone who reaches this app, "
                "at random, unguessable names;",
                "Stored files are served only to someone signed in, or through a signed link "
                "that expires within the hour;",
            ),
            f" the original names are kept in the database only.{bucket}",
            size="1",
            color_scheme="gray",
        ),
        align="center",
        spacing="1",
        class_name="privacy-notice",
    )
