"""/: what each page demonstrates, and what is stored so far."""

from __future__ import annotations

import asyncio

import reflex as rx

from upload_demo import records, routes
from upload_demo.access_state import AccessState, current_viewer
from upload_demo.components.layout import open_access_callout, page_layout
from upload_demo.routes import Card, Route
from upload_demo.units import human_bytes, plural


class HomeState(rx.State):
    """Totals from the database, per page and overall."""

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    file_count: rx.Field[int] = rx.field(default=0)
    total_bytes: rx.Field[int] = rx.field(default=0)
    per_page: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.var
    def totals_text(self) -> str:
        """'12 files · 4.5 MB stored'."""
        return f"{plural(self.file_count, 'file')} · {human_bytes(self.total_bytes)} stored"

    @rx.event
    async def load_totals(self) -> None:
        """Read the totals; they survive restarts because they come from the database."""
        if await current_viewer(self) is None:
            return
        by_page = await asyncio.to_thread(records.totals_by_page)
        self.file_count = sum(count for count, _ in by_page.values())
        self.total_bytes = sum(size for _, size in by_page.values())
        self.per_page = {}
        for _, card in routes.CARDS:
            count, size = by_page.get(card.page, (0, 0))
            self.per_page[card.page] = f"{plural(count, 'file')} · {human_bytes(size)}"


def _card(route: Route, card: Card) -> rx.Component:
    """A card that is one link, named by its title alone.

    The title's link stretches over the whole card (``.card-link`` in assets/theme.css),
    so a click anywhere opens the page while a screen reader hears just the title, not
    the card's every line (a link around the card, named by an aria-label, hid what it
    showed: visible text must be part of a link's name).
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(card.icon, size=22, color="var(--accent-9)"),
                rx.heading(
                    rx.link(card.title, href=route.path, underline="none", class_name="card-link"),
                    size="4",
                    as_="h2",
                ),
                align="center",
            ),
            rx.text(card.shows, size="2"),
            rx.code(card.api, size="1", variant="soft", white_space="normal"),
            rx.text(
                HomeState.per_page.get(card.page, "") if card.page else HomeState.totals_text,
                size="1",
                color_scheme="gray",
            ),
            spacing="2",
        ),
        height="100%",
        class_name="page-card",
    )


def _open_access_notice() -> rx.Component:
    """With no accounts, say that everything is open, to whom, and how to close it."""
    return open_access_callout(
        "Open access: this app has no accounts yet, so anyone who reaches it can upload, "
        "browse and delete, and it listens on loopback only. Create an admin to require "
        "sign-in: ",
        class_name="open-access",
    )


def home_page() -> rx.Component:
    """Cards for each page and the totals of everything stored."""
    return page_layout(
        "Reflex upload patterns",
        "Every pattern of rx.upload working end to end: checked on the server, "
        "stored atomically, recorded in the database.",
        routes.HOME,
        rx.cond(AccessState.open_access, _open_access_notice()),
        rx.callout(
            HomeState.totals_text,
            icon="database",
            size="2",
            width="100%",
            class_name="totals",
        ),
        rx.grid(
            *[_card(route, card) for route, card in routes.CARDS],
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
    )
