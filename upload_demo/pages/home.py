"""/: what each page demonstrates, and what is stored so far."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from upload_demo import policy, records
from upload_demo.components.layout import page_layout
from upload_demo.units import human_bytes


@dataclasses.dataclass(frozen=True)
class PageCard:
    """One card on the home page; ``page`` is the policy's page, "" for every page."""

    title: str
    route: str
    page: str
    icon: str
    shows: str
    api: str


CARDS: tuple[PageCard, ...] = (
    PageCard(
        "Multiple images",
        "/images",
        policy.IMAGES.page,
        "images",
        "Several images in one upload, shown as a gallery.",
        "rx.upload(multiple=True), rx.upload_files, on_upload_progress, rx.cancel_upload",
    ),
    PageCard(
        "Single video",
        "/video",
        policy.VIDEO.page,
        "film",
        "One video at a time, played in a <video controls> element.",
        "rx.upload(max_files=1, multiple=False), rx.get_upload_url",
    ),
    PageCard(
        "Restricted",
        "/restricted",
        policy.RESTRICTED.page,
        "shield-check",
        "At most 5 typed files, keyboard disabled; the server re-checks everything.",
        "rx.upload(accept, max_files, max_size, no_keyboard=True), on_drop_rejected",
    ),
    PageCard(
        "One-step",
        "/one-step",
        policy.ONE_STEP.page,
        "zap",
        "Dropping or choosing files uploads them at once.",
        "rx.upload(on_drop=State.handler(rx.upload_files(...)))",
    ),
    PageCard(
        "Large files",
        "/large",
        policy.LARGE.page,
        "hard-drive-upload",
        "Files of several GB streamed to disk as they arrive, in flat memory.",
        "rx.upload_files_chunk, @rx.event(background=True), rx.UploadChunkIterator",
    ),
    PageCard(
        "Library",
        "/library",
        "",
        "library",
        "Every stored file: filter, search, sort, download under its name, delete.",
        "on_load, rx.alert_dialog, rx.App(api_transformer=...) for GET /download/{id}",
    ),
)


class HomeState(rx.State):
    """Totals from the database, per page and overall."""

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    file_count: rx.Field[int] = rx.field(default=0)
    total_bytes: rx.Field[int] = rx.field(default=0)
    per_page: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.var
    def totals_text(self) -> str:
        """'12 files · 4.5 MB stored'."""
        noun = "file" if self.file_count == 1 else "files"
        return f"{self.file_count} {noun} · {human_bytes(self.total_bytes)} stored"

    @rx.event
    async def load_totals(self) -> None:
        """Read the totals; they survive restarts because they come from the database."""
        by_page = await asyncio.to_thread(records.totals_by_page)
        self.file_count = sum(count for count, _ in by_page.values())
        self.total_bytes = sum(size for _, size in by_page.values())
        self.per_page = {}
        for card in CARDS:
            count, size = by_page.get(card.page, (0, 0))
            self.per_page[card.page] = f"{count} files · {human_bytes(size)}"


def _card(card: PageCard) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon(card.icon, size=22, color="var(--accent-9)"),
                    rx.heading(card.title, size="4", as_="h2"),
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
        ),
        href=card.route,
        underline="none",
        color="inherit",
        aria_label=card.title,
    )


def home_page() -> rx.Component:
    """Cards for each page and the totals of everything stored."""
    return page_layout(
        "Reflex upload patterns",
        "Every pattern of rx.upload working end to end: checked on the server, "
        "stored atomically, recorded in the database.",
        "upload_demo/pages/home.py",
        rx.callout(
            HomeState.totals_text,
            icon="database",
            size="2",
            width="100%",
            class_name="totals",
        ),
        rx.grid(
            *[_card(card) for card in CARDS],
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
    )
