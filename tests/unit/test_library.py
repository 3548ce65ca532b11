"""The library's keyset pages on the session's database (SQLite; PostgreSQL in test-scale).

Every sort is walked page by page, forwards from the first and backwards from the
last, over rows full of ties: no row may be skipped or shown twice, a deleted row at
a page's edge must not shift the next page, and a stale cursor still shows rows.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
import sqlalchemy
import sqlmodel

from tests import samples
from tests.unit.rows import bulk_page, ingest, new_policy, png, row_id
from upload_demo import library, records
from upload_demo.library import FIRST, LAST, Cursor, LibraryFilter, library_page
from upload_demo.policy import UploadPolicy
from upload_demo.stores import LocalStore

#: Python's view of each sort: the key of a row (as a dict) and whether it descends.
ORDERS: dict[str, tuple[str, bool]] = {
    name: (sort.column, sort.descending) for name, sort in library.SORTS.items()
}


def names(page: library.LibraryPage) -> list[str]:
    return [row.original_name for row in page.rows]


def everything(policy: UploadPolicy, sort: str = "newest", **where: str) -> library.LibraryPage:
    return library_page(LibraryFilter(page=policy.page, **where), sort, FIRST, size=1000)


def expected_order(rows: list[dict[str, Any]], sort: str) -> list[int]:
    column, descending = ORDERS[sort]
    key = (lambda r: r["name_key"]) if column == "name_key" else (lambda r: r[column])
    return [r["id"] for r in sorted(rows, key=lambda r: (key(r), r["id"]), reverse=descending)]


def walk(where: LibraryFilter, sort: str, size: int, *, backwards: bool = False) -> list[int]:
    """Every id, page by page from one end to the other, in sort order."""
    seen: list[list[int]] = []
    at = LAST if backwards else FIRST
    while True:
        page = library_page(where, sort, at, size)
        seen.append([row_id(row) for row in page.rows])
        more = page.has_previous if backwards else page.has_next
        if not more:
            break
        edge = page.start if backwards else page.end
        assert edge is not None
        at = library.before(edge) if backwards else library.after(edge)
    pages = seen[::-1] if backwards else seen
    return [row for rows in pages for row in rows]


# --- filters and search ---------------------------------------------------------


def test_filter_by_kind_and_page(tmp_path: Path) -> None:
    mine, other = new_policy(), new_policy()
    ingest(mine, tmp_path, [("a.png", png()), ("b.pdf", samples.pdf_bytes(mine.page))])
    ingest(other, tmp_path, [("c.png", png())])

    assert sorted(names(everything(mine))) == ["a.png", "b.pdf"]
    assert names(everything(mine, kind="image")) == ["a.png"]
    assert names(everything(mine, kind="document")) == ["b.pdf"]
    assert names(everything(mine, kind="video")) == []
    assert names(everything(other)) == ["c.png"]


def test_search_is_a_case_insensitive_substring_with_literal_wildcards(tmp_path: Path) -> None:
    policy = new_policy()
    files = ["100%_done.png", "100x_done.png", "a_b.png", "aXb.png", "Zed.PNG"]
    ingest(policy, tmp_path, [(name, png()) for name in files])

    def found(text: str) -> list[str]:
        return sorted(names(everything(policy, search=text)))

    assert found("%") == ["100%_done.png"]
    assert found("_") == ["100%_done.png", "100x_done.png", "a_b.png"]
    assert found("A_B") == ["a_b.png"]
    assert found("0%_") == ["100%_done.png"]
    # Ingest never keeps a backslash in a name (it is a path separator): nothing matches.
    assert found("\\") == []
    assert found("zed.png") == ["Zed.PNG"]
    assert found("done") == ["100%_done.png", "100x_done.png"]
    assert found("nothing like it") == []


def test_search_matches_the_folder_and_the_name(tmp_path: Path) -> None:
    policy = new_policy()
    sent = ["/Urlaub/Straße/beach.png", "urlaub/other/dune.png", "strasse.png"]
    ingest(policy, tmp_path, [(name, png()) for name in sent])

    def found(text: str) -> list[str]:
        return sorted(names(everything(policy, search=text)))

    folders = {row.original_name: (row.folder, row.folder_key) for row in everything(policy).rows}
    assert folders == {
        "beach.png": ("Urlaub/Straße", "urlaub/strasse"),
        "dune.png": ("urlaub/other", "urlaub/other"),
        "strasse.png": ("", ""),
    }
    assert found("STRASSE") == ["beach.png", "strasse.png"]
    assert found("urlaub") == ["beach.png", "dune.png"]
    # Across the folder's end into the name, as the page shows them.
    assert found("other/dune") == ["dune.png"]
    assert found("urlaub/straße/beach.png") == ["beach.png"]
    # A file from no folder is "strasse.png", not "/strasse.png".
    assert found("/strasse.png") == []


def test_search_and_sort_ignore_case_and_accents_of_every_letter(tmp_path: Path) -> None:
    policy = new_policy()
    files = ["Zebra.png", "äpfel.png", "ÄRGER.png", "Straße.png", "ÉTÉ.png"]
    ingest(policy, tmp_path, [(name, png()) for name in files])

    def found(text: str) -> list[str]:
        return sorted(names(everything(policy, search=text)))

    assert found("ÄPFEL") == ["äpfel.png"]
    assert found("ärger") == ["ÄRGER.png"]
    assert found("STRASSE") == ["Straße.png"]
    assert found("été") == ["ÉTÉ.png"]
    assert found("apfel") == ["äpfel.png"]
    assert names(everything(policy, sort="name")) == [
        "äpfel.png",
        "ÄRGER.png",
        "ÉTÉ.png",
        "Straße.png",
        "Zebra.png",
    ]


def test_like_pattern_escapes() -> None:
    assert library.like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


def test_every_sort_orders_and_breaks_ties_by_id(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("b.png", png(12)), ("A.png", png(30)), ("c.png", png(20))])
    # Same name and (both padded to 8×8 pixels) same size: only the id can order them.
    ingest(policy, tmp_path, [("same.png", png(5)), ("same.png", png(6))])
    rows = everything(policy).rows
    by_id = sorted(rows, key=row_id)

    def order(sort: str) -> list[int]:
        return [row_id(row) for row in everything(policy, sort).rows]

    newest = sorted(rows, key=lambda r: (r.created_at, row_id(r)), reverse=True)
    assert order("newest") == [row_id(r) for r in newest]
    assert order("oldest") == [row_id(r) for r in reversed(newest)]
    largest = sorted(rows, key=lambda r: (r.size, row_id(r)), reverse=True)
    assert [r.original_name for r in largest][:3] == ["A.png", "c.png", "b.png"]
    assert order("largest") == [row_id(r) for r in largest]
    assert order("smallest") == [row_id(r) for r in sorted(by_id, key=lambda r: (r.size, r.id))]
    by_name = sorted(by_id, key=lambda r: r.original_name.lower())
    assert order("name") == [row_id(r) for r in by_name]
    assert [r.original_name for r in by_name] == ["A.png", "b.png", "c.png", "same.png", "same.png"]
    assert order("name-desc") == [row_id(r) for r in reversed(by_name)]
    # An unknown key (say, from a hand-edited URL) is newest first, not an error.
    assert order("no-such-sort") == order("newest")


# --- keyset pages ------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(library.SORTS))
def test_walking_every_sort_both_ways_skips_and_repeats_nothing(sort: str) -> None:
    with bulk_page(500) as (page, rows):
        for row in rows:
            row["name_key"] = row["original_name"].lower()
        for where, subset in [
            (LibraryFilter(page=page), rows),
            (LibraryFilter(page=page, kind="video"), [r for r in rows if r["kind"] == "video"]),
            (
                LibraryFilter(page=page, kind="image", search="HOLIDAY"),
                [r for r in rows if r["kind"] == "image" and "holiday" in r["name_key"]],
            ),
        ]:
            expected = expected_order(subset, sort)
            assert walk(where, sort, 7) == expected, where
            assert walk(where, sort, 7, backwards=True) == expected, where


def test_first_next_last_previous_and_their_totals(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [(f"f{i}.png", png(8 + i)) for i in range(5)])
    where = LibraryFilter(page=policy.page)
    all_rows = everything(policy, "name").rows

    first = library_page(where, "name", FIRST, size=2)
    assert (first.number, first.page_count, first.matching) == (1, 3, 5)
    assert first.matching_bytes == sum(r.size for r in all_rows)
    assert (first.has_previous, first.has_next) == (False, True)
    assert names(first) == ["f0.png", "f1.png"]
    assert first.end is not None
    second = library_page(where, "name", library.after(first.end), size=2)
    assert (names(second), second.number, second.has_previous) == (["f2.png", "f3.png"], None, True)
    # The last page holds the remainder, so going back from it meets the pages going forward.
    last = library_page(where, "name", LAST, size=2)
    assert (names(last), last.number, last.has_next, last.has_previous) == (
        ["f4.png"],
        3,
        False,
        True,
    )
    assert last.start is not None
    back = library_page(where, "name", library.before(last.start), size=2)
    assert names(back) == ["f2.png", "f3.png"]
    assert back.start is not None
    # Back to the start: the first page, full, even from a cursor one row in.
    assert library_page(where, "name", library.before(back.start), size=2).at == FIRST
    at_start = library_page(where, "name", library.before(first.end), size=2)
    assert (names(at_start), at_start.number, at_start.has_previous) == (names(first), 1, False)

    # A page number alone (an old link): OFFSET, clamped to the pages there are.
    assert names(library_page(where, "name", library.page_number(2), size=2)) == names(second)
    beyond = library_page(where, "name", library.page_number(99), size=2)
    assert (beyond.number, names(beyond)) == (3, ["f4.png"])
    assert library_page(where, "name", library.page_number(0), size=2).at == FIRST
    # Exactly full pages: the last is a full one.
    four = LibraryFilter(page=policy.page, search="f", kind="image")
    assert library_page(four, "name", LAST, size=5).page_count == 1
    assert names(library_page(where, "name", LAST, size=5)) == names(everything(policy, "name"))

    nothing = library_page(LibraryFilter(page=policy.page, search="zzz"), "name", LAST, size=2)
    assert (nothing.rows, nothing.number, nothing.page_count) == ([], 1, 1)
    assert (nothing.matching, nothing.matching_bytes, nothing.has_previous) == (0, 0, False)
    images = library_page(LibraryFilter(page=policy.page, kind="image", search="f1"), size=2)
    assert (images.matching, images.matching_bytes) == (1, all_rows[1].size)


def test_deleting_the_rows_at_a_page_edge_shifts_nothing(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [(f"e{i}.png", png(8 + i)) for i in range(7)])
    where = LibraryFilter(page=policy.page)
    by_name = {row.original_name: row for row in everything(policy).rows}

    first = library_page(where, "name", FIRST, size=3)
    assert names(first) == ["e0.png", "e1.png", "e2.png"] and first.end is not None
    # The last row shown and the first of the next page both go, as another tab deletes.
    for gone in ("e2.png", "e3.png"):
        assert records.delete(row_id(by_name[gone]), LocalStore(tmp_path)) is not None
    following = library_page(where, "name", library.after(first.end), size=3)
    assert names(following) == ["e4.png", "e5.png", "e6.png"]
    assert following.start is not None
    # Back from it: fewer than a page is left before it, so that is the first page, full.
    back = library_page(where, "name", library.before(following.start), size=3)
    assert (back.at, names(back)) == (FIRST, ["e0.png", "e1.png", "e4.png"])
    # Everything after a cursor gone: it shows the last page instead of nothing.
    assert following.end is not None
    for gone in ("e4.png", "e5.png", "e6.png"):
        records.delete(row_id(by_name[gone]), LocalStore(tmp_path))
    stale = library_page(where, "name", library.after(following.end), size=3)
    assert (stale.at, names(stale), stale.number) == (LAST, ["e0.png", "e1.png"], 1)


def test_search_counts_stop_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library, "SEARCH_COUNT_LIMIT", 40)
    with bulk_page(300) as (page, rows):
        scans = [r for r in rows if "scan" in r["original_name"].lower()]
        assert len(scans) > 40
        many = library_page(LibraryFilter(page=page, search="scan"), "name", LAST, size=24)
        assert (many.matching, many.matching_exact, many.matching_bytes) == (40, False, None)
        assert (many.page_count, many.number, len(many.rows)) == (None, None, 24)
        assert [row_id(r) for r in many.rows] == expected_order(
            [{**r, "name_key": r["original_name"].lower()} for r in scans], "name"
        )[-24:]
        few = LibraryFilter(page=page, search="scan-000")
        counted = [r for r in scans if "scan-000" in r["original_name"].lower()]
        assert 0 < len(counted) <= 40
        exact = library_page(few, "name", FIRST, size=24)
        assert (exact.matching, exact.matching_exact) == (len(counted), True)
        assert exact.matching_bytes == sum(r["size"] for r in counted)
        # Without a search the kept totals answer, whatever the limit.
        kept = library_page(LibraryFilter(page=page, kind="video"), "name", FIRST, size=24)
        videos = [r for r in rows if r["kind"] == "video"]
        assert (kept.matching, kept.matching_exact) == (len(videos), True)
        assert kept.matching_bytes == sum(r["size"] for r in videos)


def test_cursor_tokens_round_trip_and_refuse_anything_else() -> None:
    when = datetime.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=datetime.UTC)
    cases = [
        (library.SORTS["newest"], Cursor(when, 12)),
        (library.SORTS["largest"], Cursor(4_000_000_000, 3)),
        (library.SORTS["name"], Cursor("a:b~c 東京.png", 7)),
    ]
    for sort, cursor in cases:
        assert Cursor.parse(cursor.token(), sort) == cursor
    newest, largest = library.SORTS["newest"], library.SORTS["largest"]
    for token in ["", "12", "x:1", "-1:5", "\uff11\uff12:5", "1:yesterday", f"1:{'9' * 2001}"]:
        assert Cursor.parse(token, largest if token.startswith("1:9") else newest) is None
    assert Cursor.parse("1:5.5", largest) is None


def test_ten_thousand_rows_page_by_cursor_and_by_number() -> None:
    with bulk_page() as (page, rows):
        for row in rows:
            row["name_key"] = row["original_name"].lower()
        where = LibraryFilter(page=page, kind="image")
        expected = expected_order([r for r in rows if r["kind"] == "image"], "largest")
        pages = -(-len(expected) // 24)
        first = library_page(where, "largest", FIRST)
        assert [row_id(r) for r in first.rows] == expected[:24]
        assert (first.matching, first.page_count) == (len(expected), pages)
        last = library_page(where, "largest", LAST)
        assert [row_id(r) for r in last.rows] == expected[(pages - 1) * 24 :]
        middle = library_page(where, "largest", library.page_number(pages // 2))
        window = expected[(pages // 2 - 1) * 24 : pages // 2 * 24]
        assert [row_id(r) for r in middle.rows] == window
        assert middle.end is not None
        after = library_page(where, "largest", library.after(middle.end))
        assert [row_id(r) for r in after.rows] == expected[pages // 2 * 24 :][:24]


# --- query plans -------------------------------------------------------------------

FILTERS = {
    "none": lambda page: LibraryFilter(),
    "kind": lambda page: LibraryFilter(kind="video"),
    "page": lambda page: LibraryFilter(page=page),
    "kind+page": lambda page: LibraryFilter(kind="video", page=page),
}


def _plan(session: sqlmodel.Session, query: Any) -> list[str]:
    dialect = session.get_bind().dialect
    sql = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN" if dialect.name == "sqlite" else "EXPLAIN"
    explained = session.execute(sqlalchemy.text(f"{explain} {sql}"))
    return [str(row[-1] if dialect.name == "sqlite" else row[0]) for row in explained]


@pytest.mark.parametrize("sort", list(library.SORTS))
def test_pages_of_every_sort_and_filter_read_an_index_in_order(sort: str) -> None:
    """First page and a page after a cursor: an ordered index range, never scan + sort.

    Only the index's column is asserted, not which index: with a kind filter a
    planner may walk (kind, key, id) or (key, id) and skip other kinds, both in
    order. Searches are left out: how far a substring filter thins the rows is a
    statistics question a planner may answer either way.
    """
    column = library.SORTS[sort].column
    with bulk_page(10_000, seed=9) as (page, rows), rx.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sqlalchemy.text("ANALYZE storedfile"))
        middle = sorted(rows, key=lambda r: r["id"])[len(rows) // 2]
        key = middle["original_name"].lower() if column == "name_key" else middle[column]
        cursor = Cursor(key, middle["id"])
        for label, make in FILTERS.items():
            for at in (None, cursor):
                plan = _plan(session, library.seek_query(make(page), sort, at, limit=25))
                text = " | ".join(plan)
                assert f"_{column}_id" in text, (label, text)
                if session.get_bind().dialect.name == "sqlite":
                    assert "TEMP B-TREE" not in text, (label, text)
                    continue
                nodes = [
                    line.strip().removeprefix("->").strip() for line in plan if "(cost=" in line
                ]
                scans_and_sorts = ("Sort ", "Incremental Sort", "Seq Scan")
                assert not any(node.startswith(scans_and_sorts) for node in nodes), (label, text)
