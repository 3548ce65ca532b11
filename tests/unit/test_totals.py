"""The kept totals (``filetotal``, written by triggers) against a real count of the rows.

Every path that changes rows is taken: ingest, the library's delete, the
maintenance repair's bulk DELETE, multi-row INSERT, UPDATE, and two processes
inserting at once. After each, the kept (kind, page) rows must equal a GROUP BY
over ``storedfile``, the query they replace.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import uuid
from pathlib import Path

import reflex as rx
import sqlalchemy
import sqlmodel
from sqlmodel import col

from tests import samples
from tests.unit.rows import bulk_page, bulk_row_values, delete_page, ingest, new_policy, png
from upload_demo import consistency, records
from upload_demo.findings import Report, Row
from upload_demo.models import FileTotal, StoredFile
from upload_demo.stores import LocalStore

Totals = dict[tuple[str, str], tuple[int, int]]


def kept(page: str) -> Totals:
    """The kept totals of one page, by (kind, page)."""
    with rx.session() as session:
        query = sqlmodel.select(FileTotal).where(FileTotal.source_page == page)
        return {(t.kind, t.source_page): (t.files, t.bytes) for t in session.exec(query).all()}


def counted(page: str) -> Totals:
    """The same, counted from the rows."""
    query = (
        sqlmodel.select(
            StoredFile.kind,
            StoredFile.source_page,
            sqlmodel.func.count(),
            sqlmodel.func.sum(StoredFile.size),
        )
        .where(StoredFile.source_page == page)
        .group_by(StoredFile.kind, StoredFile.source_page)
    )
    with rx.session() as session:
        return {(k, p): (int(n), int(b)) for k, p, n, b in session.exec(query).all()}


def assert_kept(page: str) -> Totals:
    totals = kept(page)
    assert totals == counted(page)
    return totals


def test_ingest_and_delete_keep_the_totals(tmp_path: Path) -> None:
    policy = new_policy()
    ingest(policy, tmp_path, [("a.png", png(8)), ("b.png", png(12))])
    ingest(policy, tmp_path, [("c.pdf", samples.pdf_bytes(policy.page))])
    totals = assert_kept(policy.page)
    assert {kind for kind, _ in totals} == {"image", "document"}
    assert totals[("image", policy.page)][0] == 2
    assert records.totals(policy.page) == (3, sum(b for _, b in totals.values()))
    assert records.totals_by_page()[policy.page] == records.totals(policy.page)
    assert policy.page in records.facets()[1]

    with rx.session() as session:
        pdf = session.exec(
            sqlmodel.select(StoredFile).where(StoredFile.source_page == policy.page)
        ).all()
    for row in pdf:
        if row.kind == "document":
            assert records.delete(row.id or 0, LocalStore(tmp_path)) is not None
    # The last document of the page gone: its row goes, so the facets forget it.
    assert set(assert_kept(policy.page)) == {("image", policy.page)}
    for row in pdf:
        records.delete(row.id or 0, LocalStore(tmp_path))
    assert assert_kept(policy.page) == {}
    assert records.totals(policy.page) == (0, 0)
    assert policy.page not in records.facets()[1]


def test_bulk_insert_update_and_delete_keep_the_totals() -> None:
    with bulk_page(3000) as (page, rows):
        totals = assert_kept(page)
        assert sum(n for n, _ in totals.values()) == 3000
        with rx.session() as session:
            # Sizes and kinds change (the app never does this; another writer might).
            session.execute(
                sqlalchemy.update(StoredFile)
                .where(col(StoredFile.source_page) == page, col(StoredFile.kind) == "video")
                .values(kind="audio", size=col(StoredFile.size) + 1)
            )
            # A change that touches no total leaves them as they were.
            session.execute(
                sqlalchemy.update(StoredFile)
                .where(col(StoredFile.source_page) == page)
                .values(preview_name="p.webp")
            )
            session.commit()
        totals = assert_kept(page)
        assert ("video", page) not in totals and ("audio", page) in totals
        with rx.session() as session:
            session.execute(
                sqlalchemy.delete(StoredFile).where(
                    col(StoredFile.source_page) == page, col(StoredFile.size) < 2_000_000
                )
            )
            session.commit()
        assert 0 < sum(n for n, _ in assert_kept(page).values()) < len(rows)
    assert assert_kept(page) == {}


def test_a_failed_transaction_leaves_the_totals_as_they_were() -> None:
    with bulk_page(50) as (page, _):
        before = assert_kept(page)
        with rx.session() as session:
            session.execute(
                sqlalchemy.delete(StoredFile).where(col(StoredFile.source_page) == page)
            )
            session.rollback()
        assert assert_kept(page) == before


def test_the_maintenance_repair_keeps_the_totals(tmp_path: Path) -> None:
    """Records whose file is gone are deleted by the repair, in one DELETE ... IN."""
    policy = new_policy()
    ingest(policy, tmp_path, [(f"r{i}.png", png(8 + i)) for i in range(4)])
    with rx.session() as session:
        rows = session.exec(
            sqlmodel.select(StoredFile).where(StoredFile.source_page == policy.page)
        ).all()
    lost = [
        Row(row.id or 0, row.stored_name, row.preview_name, row.original_name) for row in rows[:3]
    ]
    for row in lost:
        (tmp_path / row.stored_name).unlink()
    done = consistency.repair(LocalStore(tmp_path), Report(missing_files=lost))
    assert len(done.records_deleted) == 3
    assert [n for n, _ in assert_kept(policy.page).values()] == [1]


def _insert_one_at_a_time(
    url: str, page: str, first: int, count: int, start: multiprocessing.synchronize.Event
) -> None:
    """In another process: ``count`` rows, one transaction each (as uploads commit)."""
    engine = sqlalchemy.create_engine(url)
    values = bulk_row_values(page, first + count, seed=first)[first:]
    start.wait(30)
    try:
        for row in values:
            with engine.begin() as connection:
                connection.execute(sqlalchemy.insert(StoredFile), [row])
    finally:
        engine.dispose()


def test_two_processes_inserting_at_once_keep_the_totals() -> None:
    page = f"unit-race-{uuid.uuid4().hex[:10]}"
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    url = os.environ["REFLEX_DB_URL"]
    workers = [
        context.Process(target=_insert_one_at_a_time, args=(url, page, first, 150, start))
        for first in (0, 150)
    ]
    try:
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(120)
        assert [worker.exitcode for worker in workers] == [0, 0]
        totals = assert_kept(page)
        assert sum(n for n, _ in totals.values()) == 300
    finally:
        delete_page(page)
    assert kept(page) == {}
