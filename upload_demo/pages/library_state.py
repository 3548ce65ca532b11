"""The library's State: the query, and the page of rows it selects.

Filtering, sorting and paging happen in the database, by keyset
(upload_demo/library.py): the State keeps where its page is (first, last, or
after or before a row's cursor) and the cursors of the rows it shows, so
Next and Previous cost the same on page 2 or page 40,000. The query (filters,
search, sort, and the page's place) lives in the URL's query string: a
reload or a shared link shows the same rows. The page itself is
pages/library.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from upload_demo import drop_links, library, records, stores
from upload_demo.access_state import current_viewer
from upload_demo.file_view import FileView, from_record
from upload_demo.pages.library_paging import number_of, page_text, position, totals_text

#: Rows per page.
PAGE_SIZE = 24

#: The select's value for "no filter" (Radix selects cannot hold an empty value).
ANY = "all"

#: Sort keys (library.SORTS) and their labels, in menu order.
SORT_LABELS: dict[str, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "largest": "Largest first",
    "smallest": "Smallest first",
    "name": "Name A–Z",
    "name-desc": "Name Z–A",
}

#: The notice when someone who may not delete sends the delete event anyway.
ONLY_ADMINS_DELETE = "Only admins delete files."

#: Longest search text kept (a URL can carry anything).
MAX_SEARCH = 200


class LibraryState(rx.State):
    """The library's query and the page of rows it selects."""

    # rx.Field: on the class (what components read), each is typed as the Var it is.
    kind: rx.Field[str] = rx.field(default=ANY)
    source: rx.Field[str] = rx.field(default=ANY)
    uploader: rx.Field[str] = rx.field(default=ANY)
    search: rx.Field[str] = rx.field(default="")
    sort: rx.Field[str] = rx.field(default=library.DEFAULT_SORT)
    # Where the page is: "first", "last", "number", or "after"/"before" ``cursor``.
    position: rx.Field[str] = rx.field(default="first")
    cursor: rx.Field[str] = rx.field(default="")
    # The cursors of the first and last row shown: where Previous and Next go.
    start: rx.Field[str] = rx.field(default="")
    end: rx.Field[str] = rx.field(default="")
    page_number: rx.Field[int] = rx.field(default=1)
    page_count: rx.Field[int] = rx.field(default=1)
    has_previous: rx.Field[bool] = rx.field(default=False)
    has_next: rx.Field[bool] = rx.field(default=False)
    items: rx.Field[list[FileView]] = rx.field(default_factory=list)
    kinds: rx.Field[list[str]] = rx.field(default_factory=list)
    sources: rx.Field[list[str]] = rx.field(default_factory=list)
    uploaders: rx.Field[list[str]] = rx.field(default_factory=list)
    matching_count: rx.Field[int] = rx.field(default=0)
    matching_exact: rx.Field[bool] = rx.field(default=True)
    matching_bytes: rx.Field[int] = rx.field(default=0)
    total_count: rx.Field[int] = rx.field(default=0)
    total_bytes: rx.Field[int] = rx.field(default=0)
    loaded: rx.Field[bool] = rx.field(default=False)
    notice: rx.Field[str] = rx.field(default="")

    # --- derived values ---------------------------------------------------

    @rx.var
    def is_filtered(self) -> bool:
        """True when a filter or a search narrows the list."""
        return self.kind != ANY or self.source != ANY or self.uploader != ANY or self.search != ""

    @rx.var
    def totals_text(self) -> str:
        """The totals line: stored, or what the filter matches of it."""
        return totals_text(
            self.is_filtered,
            self.matching_count,
            self.matching_exact,
            self.matching_bytes,
            self.total_count,
            self.total_bytes,
        )

    @rx.var
    def page_text(self) -> str:
        """'Page 2 of 5'."""
        return page_text(
            self.page_number, self.page_count, exact=self.matching_exact, at_end=not self.has_next
        )

    @rx.var
    def kind_options(self) -> list[str]:
        """Stored kinds, plus the selected one even if nothing of it is left."""
        return _options(self.kinds, self.kind)

    @rx.var
    def source_options(self) -> list[str]:
        """Pages with stored files, plus the selected one."""
        return _options(self.sources, self.source)

    @rx.var
    def uploader_options(self) -> list[str]:
        """Who has stored files, plus the selected one."""
        return _options(self.uploaders, self.uploader)

    # --- loading ------------------------------------------------------------

    @rx.event
    async def load(self) -> Any:
        """on_load: read the query from the URL, then the rows from the database."""
        if await current_viewer(self) is None:
            # Signed out: AccessState.check sends the tab to the sign-in page; show nothing.
            self.items = []
            return None
        at, number = self._apply_query(self.router.url.query_parameters)
        self.notice = ""
        await self._refresh(at, number)
        return self._sync_url()

    def _apply_query(self, params: Mapping[str, str]) -> tuple[library.At, int]:
        self.kind = params.get("kind") or ANY
        self.source = params.get("page") or ANY
        self.uploader = params.get("by") or ANY
        self.search = (params.get("q") or "")[:MAX_SEARCH]
        sort = params.get("sort", "")
        self.sort = sort if sort in SORT_LABELS else library.DEFAULT_SORT
        return position(params, library.SORTS[self.sort])

    def _here(self) -> library.At:
        """Where the page shown now is (to show it again after a delete)."""
        cursor = library.Cursor.parse(self.cursor, library.SORTS[self.sort])
        if cursor is not None and self.position == "after":
            return library.after(cursor)
        if cursor is not None and self.position == "before":
            return library.before(cursor)
        if self.position == "number":
            return library.page_number(self.page_number)
        return library.LAST if self.position == "last" else library.FIRST

    async def _refresh(self, at: library.At, number: int) -> None:
        """Read page ``at``; ``number`` is its page number if the caller knows it (else 0)."""
        where = library.LibraryFilter(
            kind="" if self.kind == ANY else self.kind,
            page="" if self.source == ANY else self.source,
            search=self.search.strip(),
            uploader="" if self.uploader == ANY else self.uploader,
        )
        page, (kinds, sources), uploaders, (count, size) = await asyncio.gather(
            asyncio.to_thread(library.library_page, where, self.sort, at, PAGE_SIZE),
            asyncio.to_thread(records.facets),
            asyncio.to_thread(records.uploaders),
            asyncio.to_thread(records.totals),
        )
        link_ids = {row.drop_link_id for row in page.rows if row.drop_link_id is not None}
        labels = await asyncio.to_thread(drop_links.labels, link_ids)
        self.items = [from_record(row, labels.get(row.drop_link_id or 0, "")) for row in page.rows]
        self.uploaders = uploaders
        self.position = page.at.where
        self.cursor = page.at.cursor.token() if page.at.cursor else ""
        self.start = page.start.token() if page.start else ""
        self.end = page.end.token() if page.end else ""
        self.has_previous, self.has_next = page.has_previous, page.has_next
        self.page_count = page.page_count or -(-page.matching // PAGE_SIZE) or 1
        self.page_number = number_of(page, number)
        self.matching_count = page.matching
        self.matching_exact = page.matching_exact
        self.matching_bytes = page.matching_bytes or 0
        self.kinds, self.sources = kinds, sources
        self.total_count, self.total_bytes = count, size
        self.loaded = True

    def _sync_url(self) -> Any:
        """Mirror the query into the address bar without a navigation (no history entry)."""
        number = "" if self.page_number <= 1 else str(self.page_number)
        params = {
            "kind": "" if self.kind == ANY else self.kind,
            "page": "" if self.source == ANY else self.source,
            "by": "" if self.uploader == ANY else self.uploader,
            "q": self.search,
            "sort": "" if self.sort == library.DEFAULT_SORT else self.sort,
            "p": "last" if self.position == "last" else number,
            "after": self.cursor if self.position == "after" else "",
            "before": self.cursor if self.position == "before" else "",
        }
        query = urlencode({key: value for key, value in params.items() if value})
        suffix = json.dumps(f"?{query}" if query else "")
        # Only while the tab still shows the library: the reply may land after a navigation.
        return rx.call_script(
            "if (/\\/library\\/?$/.test(window.location.pathname)) "
            "window.history.replaceState(window.history.state, '', "
            f"window.location.pathname + {suffix})"
        )

    async def _show(self, at: library.At, number: int) -> Any:
        self.notice = ""
        await self._refresh(at, number)
        return self._sync_url()

    # --- the controls ---------------------------------------------------------

    @rx.event
    async def choose_kind(self, value: str) -> Any:
        """Show one kind (image, video, audio, document, archive, other) or all."""
        self.kind = value
        return await self._show(library.FIRST, 1)

    @rx.event
    async def choose_source(self, value: str) -> Any:
        """Show the files of one upload page, or all."""
        self.source = value
        return await self._show(library.FIRST, 1)

    @rx.event
    async def choose_uploader(self, value: str) -> Any:
        """Show the files of one uploader (an account, "anonymous", "drop link"...), or all."""
        self.uploader = value
        return await self._show(library.FIRST, 1)

    @rx.event
    async def search_for(self, value: str) -> Any:
        """Names containing ``value``, case-insensitively (the input debounces typing)."""
        self.search = value[:MAX_SEARCH]
        return await self._show(library.FIRST, 1)

    @rx.event
    async def sort_by(self, value: str) -> Any:
        """Order by time, size or name."""
        self.sort = value if value in SORT_LABELS else library.DEFAULT_SORT
        return await self._show(library.FIRST, 1)

    @rx.event
    async def clear_filters(self) -> Any:
        """Back to everything, newest first."""
        self.kind = self.source = self.uploader = ANY
        self.search = ""
        self.sort = library.DEFAULT_SORT
        return await self._show(library.FIRST, 1)

    @rx.event
    async def first_page(self) -> Any:
        """Back to the start."""
        return await self._show(library.FIRST, 1)

    @rx.event
    async def previous_page(self) -> Any:
        """The page before the first row shown."""
        cursor = library.Cursor.parse(self.start, library.SORTS[self.sort])
        at = library.before(cursor) if cursor else library.FIRST
        return await self._show(at, max(0, self.page_number - 1))

    @rx.event
    async def next_page(self) -> Any:
        """The page after the last row shown."""
        cursor = library.Cursor.parse(self.end, library.SORTS[self.sort])
        at = library.after(cursor) if cursor else library.LAST
        return await self._show(at, self.page_number + 1 if self.page_number else 0)

    @rx.event
    async def last_page(self) -> Any:
        """The end, read backwards from it (as cheap as the first page)."""
        return await self._show(library.LAST, 0)

    @rx.event
    async def delete_file(self, file_id: int) -> Any:
        """Delete a file, its preview and its row (after the dialog's confirmation).

        Admins only (everyone in the open app): asked here, against the database,
        whatever the page showed, since any client can send the event.
        """
        viewer = await current_viewer(self)
        if viewer is None or not viewer.may_delete:
            self.notice = ONLY_ADMINS_DELETE
            return None
        gone = await asyncio.to_thread(records.delete, file_id, stores.configured())
        result = await self._show(self._here(), self.page_number)
        self.notice = (
            f"Deleted “{gone.original_name}”."
            if gone is not None
            else "That file was already deleted."
        )
        return result


def _options(values: list[str], selected: str) -> list[str]:
    extra = [] if selected == ANY or selected in values else [selected]
    return [ANY, *values, *extra]
