"""The library's queries and delete, on the real (test) SQLite database and real files.

Rows come in through the real ingest path, each test under its own source page,
so filters by page isolate a test's rows from everything else in the session's
database. Only the 10,000-row test inserts rows directly (its files never exist).
"""

from __future__ import annotations

import datetime
import io
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import reflex as rx
import sqlalchemy
import sqlalchemy.dialects.postgresql
import sqlalchemy.dialects.sqlite
import sqlalchemy.exc
import sqlmodel

from tests import db, samples
from upload_demo import filetypes, records
from upload_demo.ingest import Incoming, ingest_batch
from upload_demo.models import StoredFile
from upload_demo.policy import UploadPolicy
from upload_demo.records import LibraryFilter, library_page
from upload_demo.stores import LocalStore


def new_policy() -> UploadPolicy:
    """A policy of its own: its page name marks this test's rows."""
    return UploadPolicy(
        page=f"unit-lib-{uuid.uuid4().hex[:10]}",
        types=(filetypes.PNG, filetypes.PDF),
        max_files=20,
        max_file_size=1_000_000,
        max_total_size=10_000_000,
    )


def png(pixels: int = 10) -> bytes:
    """A real PNG of random pixels: distinct bytes every call."""
    return samples.noisy_png(pixels * pixels * 3, seed=random.getrandbits(64))


def ingest(policy: UploadPolicy, directory: Path, files: list[tuple[str, bytes]]) -> None:
    outcomes = ingest_batch(
        [Incoming(name, io.BytesIO(data), len(data)) for name, data in files],
        policy,
        LocalStore(directory),
    )
    assert all(o.stored for o in outcomes), [o.message for o in outcomes]


def row_id(row: StoredFile) -> int:
    """A stored row's id (the model's ``int | None`` is for rows not yet saved)."""
    assert row.id is not None
    return row.id


def names(page: records.LibraryPage) -> list[str]:
    return [row.original_name for row in page.rows]


def everything(policy: UploadPolicy, sort: str = "newest", **where: str) -> records.LibraryPage:
    return library_page(LibraryFilter(page=policy.page, **where), sort, 1, size=1000)


# --- filters and search ---------------------------------------------------------


def test_filter_by_kind_and_page(tmp_path: Path) -> None:
    mine, other = new_policy(), new_policy()
    ingest(mine, tmp_path, [("a.png", png()), ("b.pdf", samples.pdf_bytes(uuid.uuid4().hex))])
    ingest(other, tmp_path, [("c.png", png())])

    assert sorted(names(everything(mine))) == ["a.png", "b.pdf"]
    assert names(everything(mine, kind="image")) == ["a.png"]
    assert names(everything(mine, kind="document")) == ["b.pdf"]
    assert names(everything(mine, kind="video")) == []
    assert names(everything(other)) == ["c.png"]
    kinds, pages = records.facets()
    assert {"image", "document"} <= set(kinds)
    assert {mine.page, other.page} <= set(pages)


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
    assert records.like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


# --- sorts ----------------------------------------------------------------------


def test_every_sort_orders_and_breaks_ties_by_id(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("b.png", png(12)), ("A.png", png(30)), ("c.png", png(20))])
    # Same name and (both padded to 8×8 pixels) same size: only the id can order them.
    ingest(policy, tmp_path, [("same.png", png(5)), ("same.png", png(6))])
    rows = everything(policy).rows
    by_id = sorted(rows, key=row_id)

    def order(sort: str) -> list[int]:
        return [row_id(row) for row in everything(policy, sort).rows]

    newest = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)
    assert order("newest") == [r.id for r in newest]
    assert order("oldest") == [r.id for r in reversed(newest)]
    largest = sorted(rows, key=lambda r: (r.size, r.id), reverse=True)
    assert [r.original_name for r in largest][:3] == ["A.png", "c.png", "b.png"]
    assert order("largest") == [r.id for r in largest]
    assert order("smallest") == [r.id for r in sorted(by_id, key=lambda r: (r.size, r.id))]
    by_name = sorted(by_id, key=lambda r: r.original_name.lower())
    assert order("name") == [r.id for r in by_name]
    assert [r.original_name for r in by_name] == ["A.png", "b.png", "c.png", "same.png", "same.png"]
    assert order("name-desc") == [
        r.id for r in sorted(by_id, key=lambda r: (r.original_name.lower(), r.id), reverse=True)
    ]
    # An unknown key (say, from a hand-edited URL) is newest first, not an error.
    assert order("no-such-sort") == order("newest")


# --- pages and totals -------------------------------------------------------------


def test_pagination_bounds_and_totals(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [(f"f{i}.png", png(8 + i)) for i in range(5)])
    where = LibraryFilter(page=policy.page)
    all_rows = everything(policy, "name").rows
    expected_bytes = sum(r.size for r in all_rows)

    first = library_page(where, "name", 1, size=2)
    assert (first.number, first.page_count, first.matching) == (1, 3, 5)
    assert first.matching_bytes == expected_bytes
    assert names(first) == ["f0.png", "f1.png"]
    assert names(library_page(where, "name", 2, size=2)) == ["f2.png", "f3.png"]
    last = library_page(where, "name", 3, size=2)
    assert names(last) == ["f4.png"]
    # Out of range either way: clamped, never an empty page when rows exist.
    assert library_page(where, "name", 0, size=2).number == 1
    beyond = library_page(where, "name", 99, size=2)
    assert (beyond.number, names(beyond)) == (3, ["f4.png"])
    # Exactly full pages: 4 rows in pages of 2 is 2 pages, not 3.
    four = library_page(LibraryFilter(page=policy.page, search="f"), "name", 1, size=4)
    assert four.page_count == 2
    assert library_page(LibraryFilter(page=policy.page), "name", 1, size=5).page_count == 1

    nothing = library_page(LibraryFilter(page=policy.page, search="zzz"), "name", 7, size=2)
    assert (nothing.rows, nothing.number, nothing.page_count) == ([], 1, 1)
    assert (nothing.matching, nothing.matching_bytes) == (0, 0)

    images = library_page(LibraryFilter(page=policy.page, kind="image", search="f1"), size=2)
    assert (images.matching, images.matching_bytes) == (1, all_rows[1].size)

    overall_count, overall_bytes = records.totals()
    assert overall_count >= 5
    assert overall_bytes >= expected_bytes


# --- 10,000 rows ------------------------------------------------------------------


def bulk_row_values(page: str) -> list[dict]:
    """10,000 rows' values under one page (no files: only the queries are under test)."""
    rng = random.Random(4)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    rows = []
    for i in range(10_000):
        kind = ("image", "video", "document")[i % 3]
        rows.append(
            {
                "original_name": f"{rng.choice(['Holiday', 'scan', 'Clip', 'notes'])}-{i:05d}.bin",
                "stored_name": f"{page}-{i:05d}.bin",
                "kind": kind,
                "content_type": "application/octet-stream",
                "size": rng.randrange(1, 5_000_000),
                "sha256": f"{page}-{i:05d}",
                "source_page": page,
                # Many rows share a timestamp: the id must break the tie.
                "created_at": start + datetime.timedelta(seconds=i // 7),
            }
        )
    return rows


@pytest.fixture
def bulk_rows() -> Iterator[tuple[str, list[dict]]]:
    """10,000 rows under one page, deleted after the test."""
    page = f"unit-bulk-{uuid.uuid4().hex[:10]}"
    rows = bulk_row_values(page)
    with rx.session() as session:
        session.execute(sqlalchemy.insert(StoredFile), rows)
        session.commit()
    try:
        yield page, rows
    finally:
        with rx.session() as session:
            session.execute(
                sqlalchemy.delete(StoredFile).where(sqlmodel.col(StoredFile.source_page) == page)
            )
            session.commit()


def test_ten_thousand_rows_page_correctly(bulk_rows: tuple[str, list[dict]]) -> None:
    page, rows = bulk_rows
    with rx.session() as session:
        ids = dict(
            session.exec(
                sqlmodel.select(StoredFile.stored_name, StoredFile.id).where(
                    StoredFile.source_page == page
                )
            ).all()
        )
    for row in rows:
        row["id"] = ids[row["stored_name"]]

    cases = [
        (LibraryFilter(page=page), "newest", lambda r: (r["created_at"], r["id"]), True),
        (LibraryFilter(page=page, kind="video"), "largest", lambda r: (r["size"], r["id"]), True),
        (
            LibraryFilter(page=page, kind="image", search="HOLIDAY"),
            "name",
            lambda r: (r["original_name"].lower(), r["id"]),
            False,
        ),
        (LibraryFilter(page=page, search="-0"), "smallest", lambda r: (r["size"], r["id"]), False),
    ]
    for where, sort, key, reverse in cases:
        expected = [
            r
            for r in rows
            if (not where.kind or r["kind"] == where.kind)
            and where.search.lower() in r["original_name"].lower()
        ]
        expected.sort(key=key, reverse=reverse)
        if sort == "largest":
            # Equal sizes: the larger id first (descending tie-break), as the query does.
            expected.sort(key=lambda r: (r["size"], r["id"]), reverse=True)
        pages = -(-len(expected) // 24)
        for number in (1, 2, pages // 2, pages):
            got = library_page(where, sort, number, size=24)
            assert got.matching == len(expected)
            assert got.matching_bytes == sum(r["size"] for r in expected)
            assert got.page_count == pages
            window = expected[(number - 1) * 24 : number * 24]
            assert [r.id for r in got.rows] == [r["id"] for r in window], (sort, number)


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("newest", "ix_storedfile_created_at"),
        ("largest", "ix_storedfile_size"),
        ("name", "ix_storedfile_name_key"),
    ],
)
def test_sorts_walk_an_index_instead_of_sorting(sort: str, index: str) -> None:
    """Unfiltered, each sort reads its index in order: no temporary sort of every row."""
    query = records.rows_query(LibraryFilter(), sort).offset(9_000).limit(24)
    with rx.session() as session:
        if db.is_sqlite():
            sql = query.compile(
                dialect=sqlalchemy.dialects.sqlite.dialect(), compile_kwargs={"literal_binds": True}
            )
            explained = session.execute(sqlalchemy.text(f"EXPLAIN QUERY PLAN {sql}"))
            plan = " | ".join(str(row[-1]) for row in explained)
            assert index in plan, plan
            assert "TEMP B-TREE" not in plan, plan
            return
        # PostgreSQL plans from statistics: give it 10,000 rows to plan for (rolled back).
        # Its index holds the sort key without the id, so equal keys are ordered by an
        # Incremental Sort of each group; a plain Sort would sort every row. It is checked
        # on the first page: that deep an OFFSET on 10,000 rows, PostgreSQL 15 estimates a
        # sequential scan and a top-N sort cheaper than any index (measured, even with a
        # (key, id) index for size and name) and picks it, as a cost-based planner may.
        session.execute(sqlalchemy.insert(StoredFile), bulk_row_values(f"unit-plan-{db.tag()}"))
        session.execute(sqlalchemy.text("ANALYZE storedfile"))
        query = records.rows_query(LibraryFilter(), sort).limit(24)
        sql = query.compile(
            dialect=sqlalchemy.dialects.postgresql.dialect(),
            compile_kwargs={"literal_binds": True},
        )
        lines = [str(row[0]) for row in session.execute(sqlalchemy.text(f"EXPLAIN {sql}"))]
        session.rollback()
    plan = " | ".join(lines)
    assert f"Index Scan using {index}" in plan or f"Index Scan Backward using {index}" in plan, plan
    nodes = [line.strip().removeprefix("->").strip() for line in lines if "(cost=" in line]
    assert not any(node.startswith("Sort ") for node in nodes), plan


# --- delete -----------------------------------------------------------------------


def _with_preview(record: StoredFile, directory: Path) -> StoredFile:
    """Give the row a preview file, as media processing does, unless it has one already."""
    if record.preview_name:
        return record
    preview = f"{Path(record.stored_name).stem}.thumb.webp"
    (directory / preview).write_bytes(samples.image_bytes("WEBP", seed=7))
    with rx.session() as session:
        row = session.get(StoredFile, record.id)
        assert row is not None
        row.preview_name = preview
        session.add(row)
        session.commit()
    refreshed = records.get(record.id or 0)
    assert refreshed is not None
    return refreshed


def test_delete_removes_file_preview_and_row(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("doomed.png", png()), ("kept.png", png())])
    doomed, kept = sorted(everything(policy).rows, key=lambda r: r.original_name)
    doomed = _with_preview(doomed, tmp_path)
    assert (tmp_path / doomed.stored_name).is_file()
    assert (tmp_path / str(doomed.preview_name)).is_file()

    gone = records.delete(doomed.id or 0, LocalStore(tmp_path))

    assert gone is not None
    assert gone.original_name == "doomed.png"
    assert records.get(doomed.id or 0) is None
    assert not (tmp_path / doomed.stored_name).exists()
    assert not (tmp_path / str(doomed.preview_name)).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        name for name in (kept.stored_name, kept.preview_name) if name
    )
    assert names(everything(policy)) == ["kept.png"]
    # A second delete (another tab, a double click) finds nothing and harms nothing.
    assert records.delete(doomed.id or 0, LocalStore(tmp_path)) is None
    assert (tmp_path / kept.stored_name).is_file()


def test_a_failed_delete_commit_leaves_row_and_files(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("survivor.png", png())])
    (row,) = everything(policy).rows
    row = _with_preview(row, tmp_path)
    with db.refusing("DELETE"), pytest.raises(sqlalchemy.exc.IntegrityError):
        records.delete(row.id or 0, LocalStore(tmp_path))
    assert records.get(row.id or 0) is not None
    assert (tmp_path / row.stored_name).is_file()
    assert (tmp_path / str(row.preview_name)).is_file()


def test_delete_refuses_a_stored_name_that_is_a_path(tmp_path: Path) -> None:
    """A tampered row cannot make delete remove anything outside the upload dir."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    policy = new_policy()
    ingest(policy, uploads, [("victim.png", png())])
    (row,) = everything(policy).rows
    with rx.session() as session:
        stored = session.get(StoredFile, row.id)
        assert stored is not None
        stored.preview_name = "../outside.txt"
        session.add(stored)
        session.commit()
    assert records.delete(row.id or 0, LocalStore(uploads)) is not None
    assert outside.read_text() == "keep me"
    assert not (uploads / row.stored_name).exists()
