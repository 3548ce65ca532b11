"""/library: every stored file from every page; filter, search, sort, download, delete.

Filtering, sorting and paging happen in the database (LIMIT/OFFSET), so the
page costs the same with ten files or ten thousand. The query (filters,
search, sort, page) lives in the URL's query string: a reload or a shared
link shows the same rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from upload_demo import records, routes
from upload_demo.components.file_views import (
    details,
    download_url,
    file_dialog,
    preview_image,
)
from upload_demo.components.layout import page_layout, privacy_notice
from upload_demo.file_view import FileView, from_record
from upload_demo.units import human_bytes

#: Rows per page.
PAGE_SIZE = 24

#: The select's value for "no filter" (Radix selects cannot hold an empty value).
ANY = "all"

#: Sort keys (records.SORTS) and their labels, in menu order.
SORT_LABELS: dict[str, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "largest": "Largest first",
    "smallest": "Smallest first",
    "name": "Name A–Z",
    "name-desc": "Name Z–A",
}

#: Longest search text kept (a URL can carry anything).
MAX_SEARCH = 200


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class LibraryState(rx.State):
    """The library's query and the page of rows it selects."""

    kind: str = ANY
    source: str = ANY
    search: str = ""
    sort: str = records.DEFAULT_SORT
    page_number: int = 1
    page_count: int = 1
    items: list[FileView] = []
    kinds: list[str] = []
    sources: list[str] = []
    matching_count: int = 0
    matching_bytes: int = 0
    total_count: int = 0
    total_bytes: int = 0
    loaded: bool = False
    notice: str = ""

    # --- derived values ---------------------------------------------------

    @rx.var
    def is_filtered(self) -> bool:
        """True when a filter or a search narrows the list."""
        return self.kind != ANY or self.source != ANY or self.search != ""

    @rx.var
    def totals_text(self) -> str:
        """'3 of 40 files · 1.2 MB of 9.8 MB' when filtered, else '40 files · 9.8 MB'."""
        if self.is_filtered:
            return (
                f"{self.matching_count} of {_plural(self.total_count, 'file')} match · "
                f"{human_bytes(self.matching_bytes)} of {human_bytes(self.total_bytes)}"
            )
        return f"{_plural(self.total_count, 'file')} · {human_bytes(self.total_bytes)} stored"

    @rx.var
    def page_text(self) -> str:
        """'Page 2 of 5'."""
        return f"Page {self.page_number} of {self.page_count}"

    @rx.var
    def has_previous(self) -> bool:
        """A page before this one exists."""
        return self.page_number > 1

    @rx.var
    def has_next(self) -> bool:
        """A page after this one exists."""
        return self.page_number < self.page_count

    @rx.var
    def kind_options(self) -> list[str]:
        """Stored kinds, plus the selected one even if nothing of it is left."""
        return _options(self.kinds, self.kind)

    @rx.var
    def source_options(self) -> list[str]:
        """Pages with stored files, plus the selected one."""
        return _options(self.sources, self.source)

    # --- loading ------------------------------------------------------------

    @rx.event
    async def load(self) -> Any:
        """on_load: read the query from the URL, then the rows from the database."""
        self._apply_query(self.router.url.query_parameters)
        self.notice = ""
        await self._refresh()
        return self._sync_url()

    def _apply_query(self, params: Mapping[str, str]) -> None:
        self.kind = params.get("kind") or ANY
        self.source = params.get("page") or ANY
        self.search = (params.get("q") or "")[:MAX_SEARCH]
        sort = params.get("sort", "")
        self.sort = sort if sort in SORT_LABELS else records.DEFAULT_SORT
        number = params.get("p", "")
        self.page_number = int(number) if number.isdigit() and int(number) > 0 else 1

    async def _refresh(self) -> None:
        where = records.LibraryFilter(
            kind="" if self.kind == ANY else self.kind,
            page="" if self.source == ANY else self.source,
            search=self.search.strip(),
        )
        page, (kinds, sources), (count, size) = await asyncio.gather(
            asyncio.to_thread(records.library_page, where, self.sort, self.page_number, PAGE_SIZE),
            asyncio.to_thread(records.facets),
            asyncio.to_thread(records.totals),
        )
        self.items = [from_record(row) for row in page.rows]
        self.page_number = page.number
        self.page_count = page.page_count
        self.matching_count = page.matching
        self.matching_bytes = page.matching_bytes
        self.kinds, self.sources = kinds, sources
        self.total_count, self.total_bytes = count, size
        self.loaded = True

    def _sync_url(self) -> Any:
        """Mirror the query into the address bar without a navigation (no history entry)."""
        params = {
            "kind": "" if self.kind == ANY else self.kind,
            "page": "" if self.source == ANY else self.source,
            "q": self.search,
            "sort": "" if self.sort == records.DEFAULT_SORT else self.sort,
            "p": "" if self.page_number == 1 else str(self.page_number),
        }
        query = urlencode({key: value for key, value in params.items() if value})
        suffix = json.dumps(f"?{query}" if query else "")
        # Only while the tab still shows the library: the reply may land after a navigation.
        return rx.call_script(
            "if (/\\/library\\/?$/.test(window.location.pathname)) "
            "window.history.replaceState(window.history.state, '', "
            f"window.location.pathname + {suffix})"
        )

    async def _requery(self, *, first_page: bool = True) -> Any:
        if first_page:
            self.page_number = 1
        self.notice = ""
        await self._refresh()
        return self._sync_url()

    # --- the controls ---------------------------------------------------------

    @rx.event
    async def choose_kind(self, value: str) -> Any:
        """Show one kind (image, video, document) or all."""
        self.kind = value
        return await self._requery()

    @rx.event
    async def choose_source(self, value: str) -> Any:
        """Show the files of one upload page, or all."""
        self.source = value
        return await self._requery()

    @rx.event
    async def search_for(self, value: str) -> Any:
        """Names containing ``value``, case-insensitively (the input debounces typing)."""
        self.search = value[:MAX_SEARCH]
        return await self._requery()

    @rx.event
    async def sort_by(self, value: str) -> Any:
        """Order by time, size or name."""
        self.sort = value if value in SORT_LABELS else records.DEFAULT_SORT
        return await self._requery()

    @rx.event
    async def clear_filters(self) -> Any:
        """Back to everything, newest first."""
        self.kind = self.source = ANY
        self.search = ""
        self.sort = records.DEFAULT_SORT
        return await self._requery()

    @rx.event
    async def previous_page(self) -> Any:
        """One page back."""
        self.page_number -= 1
        return await self._requery(first_page=False)

    @rx.event
    async def next_page(self) -> Any:
        """One page on."""
        self.page_number += 1
        return await self._requery(first_page=False)

    @rx.event
    async def delete_file(self, file_id: int) -> Any:
        """Delete a file, its preview and its row (after the dialog's confirmation)."""
        gone = await asyncio.to_thread(records.delete, file_id, rx.get_upload_dir())
        result = await self._requery(first_page=False)
        self.notice = (
            f"Deleted “{gone.original_name}”."
            if gone is not None
            else "That file was already deleted."
        )
        return result


def _options(values: list[str], selected: str) -> list[str]:
    extra = [] if selected == ANY or selected in values else [selected]
    return [ANY, *values, *extra]


# --- components -------------------------------------------------------------


def _thumbnail(item: FileView) -> rx.Component:
    """The preview (image thumbnail or video poster) or a type icon; opens the file."""
    return file_dialog(
        item,
        rx.el.button(
            preview_image(item, "72px"),
            rx.cond(
                item.kind == "video",
                rx.center(
                    rx.icon("play", size=18, color="white"),
                    position="absolute",
                    inset="0",
                    background="rgba(0,0,0,0.25)",
                    border_radius="var(--radius-2)",
                ),
            ),
            aria_label="Open " + item.name,
            title="Open " + item.name,
            position="relative",
            width="72px",
            height="72px",
            flex_shrink="0",
            padding="0",
            border="1px solid var(--gray-a5)",
            border_radius="var(--radius-2)",
            background="var(--gray-a2)",
            cursor="pointer",
            class_name="library-open",
        ),
    )


def _delete_button(item: FileView) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("trash-2", size=16),
                color_scheme="red",
                variant="soft",
                aria_label="Delete " + item.name,
                title="Delete",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this file?"),
            rx.alert_dialog.description(
                "“",
                item.name,
                "” (",
                item.size_text,
                "), its preview and its record will be removed for good.",
                style={"overflow_wrap": "anywhere"},
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete", color_scheme="red", on_click=LibraryState.delete_file(item.id)
                    ),
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="460px",
        ),
    )


def _row(item: FileView) -> rx.Component:
    return rx.card(
        rx.flex(
            _thumbnail(item),
            rx.vstack(
                rx.text(
                    item.name,
                    weight="medium",
                    size="3",
                    style={"overflow_wrap": "anywhere"},
                    class_name="library-name",
                ),
                rx.flex(
                    rx.badge(item.kind, variant="soft", color_scheme="indigo"),
                    rx.badge("from /" + item.page, variant="outline", color_scheme="gray"),
                    rx.badge(item.content_type, variant="soft", color_scheme="gray"),
                    wrap="wrap",
                    spacing="1",
                ),
                details(item, " · SHA-256 ", rx.code(item.sha_short, variant="ghost", size="1")),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.flex(
                rx.icon_button(
                    rx.el.a(
                        rx.icon("download", size=16),
                        href=download_url(item),
                        aria_label="Download " + item.name,
                        title="Download under the original name",
                    ),
                    as_child=True,
                    variant="soft",
                    class_name="library-download",
                ),
                _delete_button(item),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="2",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="library-row",
    )


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
                    placeholder="part of a file name",
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
        columns=rx.breakpoints(initial="1", sm="2", md="4"),
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


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            disabled=~LibraryState.has_previous,
            on_click=LibraryState.previous_page,
        ),
        rx.text(LibraryState.page_text, size="2", class_name="library-page"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            disabled=~LibraryState.has_next,
            on_click=LibraryState.next_page,
        ),
        justify="center",
        align="center",
        spacing="4",
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
                    rx.foreach(LibraryState.items, _row),
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
