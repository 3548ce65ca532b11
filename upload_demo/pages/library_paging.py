"""The library page's place and words, from a LibraryPage: pure functions, no State.

A keyset page knows its neighbours, not always its number: the number is
counted from where the reader came, and corrected by what the page proves.
"""

from __future__ import annotations

from collections.abc import Mapping

from upload_demo import library
from upload_demo.units import human_bytes, plural


def page_text(number: int, count: int, *, exact: bool, at_end: bool) -> str:
    """'Page 2 of 5'; the parts not known (0) left out: 'Page 3 of 42 or more', 'Last page'.

    ``count`` is the page count (a lower bound unless ``exact``); ``number`` is 0
    when the page was reached from a cursor whose page number is not known.
    """
    of = f"of {count}" if exact else f"of {count} or more"
    if number:
        return f"Page {number} {of}"
    return "Last page" if at_end else f"One page {of}"


def totals_text(
    filtered: bool, matching: int, exact: bool, matching_bytes: int, total: int, total_bytes: int
) -> str:
    """'40 files · 9.8 MB stored'; filtered '3 of 40 files match · 1.2 MB of 9.8 MB'.

    A search past its count limit says 'More than 100 of 40000 files match': a
    byte total of the part it counted would be a wrong figure.
    """
    if not filtered:
        return f"{plural(total, 'file')} · {human_bytes(total_bytes)} stored"
    if not exact:
        return f"More than {matching} of {plural(total, 'file')} match"
    return (
        f"{matching} of {plural(total, 'file')} match · "
        f"{human_bytes(matching_bytes)} of {human_bytes(total_bytes)}"
    )


def position(params: Mapping[str, str], sort: library.Sort) -> tuple[library.At, int]:
    """Where the URL's query puts the page, and its page number (0: not known)."""
    number_text = params.get("p", "")
    number = int(number_text) if number_text.isascii() and number_text.isdigit() else 0
    if number_text == "last":
        return library.LAST, 0
    for where, at in (("after", library.after), ("before", library.before)):
        cursor = library.Cursor.parse(params.get(where, ""), sort)
        if cursor is not None:
            return at(cursor), number
    # A page number alone: a link from before keyset pages, or typed by hand.
    return (library.page_number(number), number) if number > 1 else (library.FIRST, 1)


def number_of(page: library.LibraryPage, counted: int) -> int:
    """The page's number: from its position if that says it, else as counted by the caller.

    A count carried across pages can drift when rows come and go in front of it; it is
    pulled back to what the page's neighbours prove (no page before it: 1; none after
    it, with an exact count: the last).
    """
    if page.number is not None:
        return page.number
    if not page.has_previous:
        return 1
    if page.page_count is not None:
        if not page.has_next:
            return page.page_count
        return min(max(counted, 2), page.page_count - 1) if counted else 0
    return max(counted, 2) if counted else 0
