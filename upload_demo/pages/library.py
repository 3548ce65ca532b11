"""/library: every stored file from every page; filter, search, sort, download, delete.

The State (the query and its rows) is in library_state.py, a row of the list
in components/library_row.py; this module lays the page out.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from upload_demo import routes
from upload_demo.access_state import AccessState
from upload_demo.components.layout import page_layout, privacy_notice
from upload_demo.components.library_row import library_row
from upload_demo.pages.library_state import ANY, SORT_LABELS, LibraryState


def _select(
    label: str, value: rx.Var, options: rx.Var, on_change: Any, name: str, prefix: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", weight="medium", color_scheme="gray", as_="label"),
        rx.select.root(
            rx.select.trigger(aria_label=label, width="100%"),
            rx.select.content(
                rx.foreach(
                    options,
                    lambda option: rx.select.item(
                        rx.cond(option == ANY, "All", prefix + option), value=option
                    ),
                ),
            ),
            value=value,
            on_change=on_change,
            name=name,
        ),
        spacing="1",
        width="100%",
    )


def _controls() -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.text("Search by name", size="1", weight="medium", color_scheme="gray"),
            rx.debounce_input(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16)),
                    placeholder="part of a file or folder name",
                    value=LibraryState.search,
                    on_change=LibraryState.search_for,
                    aria_label="Search by name",
                    type="search",
                    width="100%",
                ),
                debounce_timeout=300,
            ),
            spacing="1",
            width="100%",
        ),
        _select(
            "Kind", LibraryState.kind, LibraryState.kind_options, LibraryState.choose_kind, "kind"
        ),
        _select(
            "Uploaded on page",
            LibraryState.source,
            LibraryState.source_options,
            LibraryState.choose_source,
            "page",
            prefix="/",
        ),
        _select(
            "Uploaded by",
            LibraryState.uploader,
            LibraryState.uploader_options,
            LibraryState.choose_uploader,
            "by",
        ),
        rx.vstack(
            rx.text("Sort", size="1", weight="medium", color_scheme="gray"),
            rx.select.root(
                rx.select.trigger(aria_label="Sort", width="100%"),
                rx.select.content(
                    *[rx.select.item(label, value=key) for key, label in SORT_LABELS.items()]
                ),
                value=LibraryState.sort,
                on_change=LibraryState.sort_by,
                name="sort",
            ),
            spacing="1",
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", sm="2", md="5"),
        spacing="3",
        width="100%",
    )


def _summary() -> rx.Component:
    return rx.hstack(
        rx.icon("database", size=16, color="var(--gray-9)"),
        rx.text(LibraryState.totals_text, size="2", class_name="library-totals"),
        rx.spacer(),
        rx.cond(
            LibraryState.is_filtered,
            rx.button(
                "Clear filters",
                variant="ghost",
                size="1",
                on_click=LibraryState.clear_filters,
            ),
        ),
        align="center",
        width="100%",
    )


def _pager_button(label: str, icon: str, on_click: Any, enabled: rx.Var, *, after: bool) -> Any:
    parts = [label, rx.icon(icon, size=16)] if after else [rx.icon(icon, size=16), label]
    return rx.button(*parts, variant="soft", disabled=~enabled, on_click=on_click)


def _pager() -> rx.Component:
    """First / Previous / Next / Last: keyset pages have neighbours and ends, not numbers."""
    state = LibraryState
    return rx.el.nav(
        rx.hstack(
            _pager_button(
                "First", "chevrons-left", state.first_page, state.has_previous, after=False
            ),
            _pager_button(
                "Previous", "chevron-left", state.previous_page, state.has_previous, after=False
            ),
            rx.text(state.page_text, size="2", class_name="library-page"),
            _pager_button("Next", "chevron-right", state.next_page, state.has_next, after=True),
            _pager_button("Last", "chevrons-right", state.last_page, state.has_next, after=True),
            justify="center",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        aria_label="Pages",
        width="100%",
    )


def _results() -> rx.Component:
    empty = rx.center(
        rx.vstack(
            rx.icon("folder-open", size=32, color="var(--gray-8)"),
            rx.cond(
                LibraryState.is_filtered,
                rx.text("No stored file matches these filters.", color_scheme="gray"),
                rx.text(
                    "Nothing stored yet: upload something on one of the pages above.",
                    color_scheme="gray",
                ),
            ),
            align="center",
            spacing="2",
        ),
        padding="3em 1em",
        width="100%",
        class_name="library-empty",
    )
    return rx.cond(
        LibraryState.loaded,
        rx.cond(
            LibraryState.items.length() > 0,
            rx.vstack(
                rx.vstack(
                    rx.foreach(
                        LibraryState.items,
                        lambda item: library_row(
                            item, LibraryState.delete_file, AccessState.may_delete
                        ),
                    ),
                    spacing="2",
                    width="100%",
                    class_name="library-list",
                ),
                _pager(),
                spacing="3",
                width="100%",
            ),
            empty,
        ),
        rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
    )


def library_page() -> rx.Component:
    """Filters, totals, the rows of the current page, and the pager."""
    return page_layout(
        "Library",
        "Every stored file from every page, read with on_load from the database: filtered, "
        "sorted and paged there, downloaded under its original name through a route added "
        "with rx.App(api_transformer=...).",
        routes.LIBRARY,
        _controls(),
        _summary(),
        rx.cond(
            LibraryState.notice != "",
            rx.callout(
                LibraryState.notice,
                icon="circle-check",
                color_scheme="green",
                size="1",
                width="100%",
                class_name="library-notice",
            ),
        ),
        _results(),
        privacy_notice(),
    )
