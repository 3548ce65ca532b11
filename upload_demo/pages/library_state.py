"""The library's State: the query, and the page of rows it selects.

Filtering, sorting and paging happen in the database (LIMIT/OFFSET), so the
page costs the same with ten files or ten thousand. The query (filters,
search, sort, page) lives in the URL's query string: a reload or a shared
link shows the same rows. The page itself is pages/library.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from upload_demo import records, stores
from upload_demo.file_view import FileView, from_record
from upload_demo.units import human_bytes, plural

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


class LibraryState(rx.State):
    """The library's query and the page of rows it selects."""

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    kind: rx.Field[str] = rx.field(default=ANY)
    source: rx.Field[str] = rx.field(default=ANY)
    search: rx.Field[str] = rx.field(default="")
    sort: rx.Field[str] = rx.field(default=records.DEFAULT_SORT)
    page_number: rx.Field[int] = rx.field(default=1)
    page_count: rx.Field[int] = rx.field(default=1)
    items: rx.Field[list[FileView]] = rx.field(default_factory=list)
    kinds: rx.Field[list[str]] = rx.field(default_factory=list)
    sources: rx.Field[list[str]] = rx.field(default_factory=list)
    matching_count: rx.Field[int] = rx.field(default=0)
    matching_bytes: rx.Field[int] = rx.field(default=0)
    total_count: rx.Field[int] = rx.field(default=0)
    total_bytes: rx.Field[int] = rx.field(default=0)
    loaded: rx.Field[bool] = rx.field(default=False)
    notice: rx.Field[str] = rx.field(default="")

    # --- derived values ---------------------------------------------------

    @rx.var
    def is_filtered(self) -> bool:
        """True when a filter or a search narrows the list."""
        return self.kind != ANY or self.source != ANY or self.search != ""

    @rx.var
    def totals_text(self) -> str:
        """'3 of 40 files match · 1.2 MB of 9.8 MB' filtered, else '40 files · 9.8 MB stored'."""
        if self.is_filtered:
            return (
                f"{self.matching_count} of {plural(self.total_count, 'file')} match · "
                f"{human_bytes(self.matching_bytes)} of {human_bytes(self.total_bytes)}"
            )
        return f"{plural(self.total_count, 'file')} · {human_bytes(self.total_bytes)} stored"

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
        """Show one kind (image, video, audio, document, archive, other) or all."""
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
        gone = await asyncio.to_thread(records.delete, file_id, stores.configured())
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
