"""The frame of every page: nav bar, heading, what the page demonstrates, its source.

Also the one notice that stored files are public, shown wherever files are.
"""

from __future__ import annotations

import reflex as rx

from upload_demo import stores
from upload_demo.routes import ROUTES, Route


def navbar() -> rx.Component:
    """Links to all pages; the current one is marked by the router."""
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("folder-up", size=22),
                rx.text("upload_demo", weight="bold", size="4"),
                align="center",
                spacing="2",
            ),
            rx.hstack(
                *[
                    rx.link(
                        route.nav_label,
                        href=route.path,
                        weight="medium",
                        size="3",
                        underline="hover",
                    )
                    for route in ROUTES
                ],
                spacing="5",
                wrap="wrap",
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
        as_="nav",
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


def privacy_notice() -> rx.Component:
    """Who can fetch a stored file: say so, and why the files cannot be listed."""
    where = (
        "Stored files are private in the bucket; the page links to them through"
        " presigned URLs that expire within minutes;"
        if stores.in_bucket()
        else "Stored files are public under /_upload at random, unguessable names;"
    )
    return rx.hstack(
        rx.icon("info", size=14, color="var(--gray-9)"),
        rx.text(
            f"{where} the original names are kept in the database only.",
            size="1",
            color_scheme="gray",
        ),
        align="center",
        spacing="1",
        class_name="privacy-notice",
    )
