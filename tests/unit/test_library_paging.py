"""The library page's words and its reading of the URL (pages/library_paging.py)."""

from __future__ import annotations

import datetime

from upload_demo import library
from upload_demo.pages.library_paging import page_text, position, totals_text


def test_page_text_says_only_what_is_known() -> None:
    assert page_text(2, 5, exact=True, at_end=False) == "Page 2 of 5"
    assert page_text(3, 42, exact=False, at_end=False) == "Page 3 of 42 or more"
    assert page_text(0, 42, exact=False, at_end=True) == "Last page"
    assert page_text(0, 42, exact=False, at_end=False) == "One page of 42 or more"


def test_totals_text_never_guesses_a_search_past_its_count() -> None:
    assert totals_text(False, 0, True, 0, 40, 9_800_000) == "40 files · 9.8 MB stored"
    assert (
        totals_text(True, 3, True, 1_200_000, 40, 9_800_000)
        == "3 of 40 files match · 1.2 MB of 9.8 MB"
    )
    assert totals_text(True, 1000, False, 0, 40_000, 1) == "More than 1000 of 40000 files match"


def test_the_url_names_a_place_or_the_first_page() -> None:
    newest = library.SORTS["newest"]
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    token = library.Cursor(when, 7).token()
    assert position({}, newest) == (library.FIRST, 1)
    assert position({"p": "last"}, newest) == (library.LAST, 0)
    assert position({"p": "3", "after": token}, newest) == (
        library.after(library.Cursor(when, 7)),
        3,
    )
    assert position({"before": token}, newest) == (library.before(library.Cursor(when, 7)), 0)
    # An old link's page number: served by OFFSET. Nonsense: the first page.
    assert position({"p": "4"}, newest) == (library.page_number(4), 4)
    assert position({"p": "-1", "after": "junk"}, newest) == (library.FIRST, 1)
    assert position({"p": "1"}, newest) == (library.FIRST, 1)
