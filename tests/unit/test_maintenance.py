"""maintenance: find and repair what a crash or a hand can break between files and rows.

Each test gets its own upload dir and its own SQLite database (the real
StoredFile schema), corrupts them on purpose, and runs the real check and
repair; one test runs ``python -m upload_demo.maintenance`` as a subprocess.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlmodel

from tests.conftest import ROOT
from upload_demo import consistency, maintenance, storage
from upload_demo.consistency import Report, repair, scan
from upload_demo.models import StoredFile
from upload_demo.storage import TEMP_PREFIX
from upload_demo.stores import LocalStore

LONG_AGO = time.time() - 3600


def record_for(name: str, data: bytes, preview_name: str | None = None) -> StoredFile:
    """A row for a file ``name`` holding ``data``."""
    return StoredFile(
        original_name=f"holiday {name}",
        stored_name=name,
        kind="image",
        content_type="image/png",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        source_page="images",
        preview_name=preview_name,
    )


class Store:
    """An upload dir and a database of its own."""

    def __init__(self, directory: Path, db_url: str) -> None:
        self.directory = directory
        self.db_url = db_url
        self.engine = sqlmodel.create_engine(db_url)
        StoredFile.metadata.create_all(self.engine)

    @contextlib.contextmanager
    def session(self) -> Iterator[sqlmodel.Session]:
        with sqlmodel.Session(self.engine) as session:
            yield session

    def file(self, name: str, data: bytes = b"x", *, age_s: float = 3600) -> Path:
        path = self.directory / name
        path.write_bytes(data)
        then = time.time() - age_s
        os.utime(path, (then, then))
        return path

    def stored(self, stem: str, *, preview: bool = False, on_disk: bool = True) -> StoredFile:
        data = stem.encode() * 10
        name = f"{stem}.png"
        preview_name = f"{stem}.thumb.webp" if preview else None
        if on_disk:
            self.file(name, data)
        if preview_name and on_disk:
            self.file(preview_name, b"webp")
        row = record_for(name, data, preview_name)
        with self.session() as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def rows(self) -> dict[str, StoredFile]:
        with self.session() as session:
            return {r.stored_name: r for r in session.exec(sqlmodel.select(StoredFile)).all()}

    def scan(self) -> Report:
        return scan(LocalStore(self.directory), session_factory=self.session)

    def repair(self, report: Report) -> consistency.Repairs:
        return repair(LocalStore(self.directory), report, session_factory=self.session)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    directory = tmp_path / "uploads"
    directory.mkdir()
    return Store(directory, f"sqlite:///{tmp_path / 'maintenance.db'}")


def corrupt(store: Store) -> dict[str, str]:
    """One of each problem beside healthy files; returns the names involved."""
    store.stored("a" * 32, preview=True)  # healthy, with its thumbnail
    store.stored("b" * 32)  # healthy
    gone = store.stored("c" * 32, preview=True)
    (store.directory / gone.stored_name).unlink()  # its thumbnail stays, its row stays
    thumbless = store.stored("d" * 32, preview=True)
    (store.directory / str(thumbless.preview_name)).unlink()
    orphan = store.file("e" * 32 + ".jpg", b"nobody's")
    temp = store.file(f"{TEMP_PREFIX}0123456789abcdef", b"half a file")
    (store.directory / ".gitkeep").write_bytes(b"")
    (store.directory / "a-directory").mkdir()
    return {
        "gone": gone.stored_name,
        "gone_preview": str(gone.preview_name),
        "thumbless": thumbless.stored_name,
        "thumb": str(thumbless.preview_name),
        "orphan": orphan.name,
        "temp": temp.name,
    }


def test_clean_store_is_clean(store: Store) -> None:
    store.stored("a" * 32, preview=True)
    store.stored("b" * 32)
    (store.directory / ".gitkeep").write_bytes(b"")
    (store.directory / "sub").mkdir()
    report = store.scan()
    assert report.problems == 0
    assert report == Report(records=2)


def test_check_lists_each_problem(store: Store) -> None:
    names = corrupt(store)
    report = store.scan()

    assert report.orphan_files == [names["orphan"]]
    assert [r.stored_name for r in report.missing_files] == [names["gone"]]
    assert [r.stored_name for r in report.missing_previews] == [names["thumbless"]]
    assert report.temp_files == [names["temp"]]
    assert report.problems == 4
    text = "\n".join(maintenance.format_report(LocalStore(store.directory), report))
    for key in ("orphan", "gone", "thumbless", "thumb", "temp"):
        assert names[key] in text
    assert "Files without a record (1):" in text
    assert "Records without their file (1):" in text
    assert "Records whose preview is missing (1):" in text
    assert "Leftover temporary files (1):" in text
    # A missing file's preview still has its record: it is not also a file without one.
    assert names["gone_preview"] not in report.orphan_files


def test_repair_fixes_everything_and_keeps_the_healthy(store: Store) -> None:
    names = corrupt(store)
    done = store.repair(store.scan())

    assert sorted(done.files_removed) == sorted([names["orphan"], names["gone_preview"]])
    assert done.temp_removed == [names["temp"]]
    assert [r.stored_name for r in done.records_deleted] == [names["gone"]]
    assert [r.stored_name for r in done.previews_cleared] == [names["thumbless"]]

    rows = store.rows()
    assert sorted(rows) == sorted(["a" * 32 + ".png", "b" * 32 + ".png", names["thumbless"]])
    assert rows[names["thumbless"]].preview_name is None
    assert rows["a" * 32 + ".png"].preview_name == "a" * 32 + ".thumb.webp"
    assert sorted(p.name for p in store.directory.iterdir()) == sorted(
        [
            ".gitkeep",
            "a-directory",
            "a" * 32 + ".png",
            "a" * 32 + ".thumb.webp",
            "b" * 32 + ".png",
            names["thumbless"],
        ]
    )
    assert store.scan().problems == 0


def test_a_published_file_whose_writer_is_alive_is_left_alone(store: Store) -> None:
    """Published, record not committed yet: its writer still holds the file's lock."""
    with storage.staging(store.directory, "f" * 32 + ".png") as staged:
        with staged.writer() as out:
            out.write(b"being stored")
        staged.keep()
        os.utime(staged.path, (LONG_AGO, LONG_AGO))  # however old it looks
        report = store.scan()
        assert report.busy_files == [staged.name]
        assert report.problems == 0
        assert "being stored right now" in "\n".join(
            maintenance.format_report(LocalStore(store.directory), report)
        )
        store.repair(report)
        assert staged.path.exists()
    # The writer is gone without committing (a crash): now it is an orphan.
    assert store.scan().orphan_files == [staged.name]


def test_a_new_unlocked_file_without_a_record_is_an_orphan(store: Store) -> None:
    """No clock: a file nobody holds is judged at once, however new."""
    fresh = store.file("f" * 32 + ".png", age_s=0)
    report = store.scan()
    assert report.orphan_files == [fresh.name]
    assert report.busy_files == []
    assert store.repair(report).files_removed == [fresh.name]
    assert not fresh.exists()


def test_a_record_committed_before_the_lock_is_taken_spares_the_file(store: Store) -> None:
    """The writer commits and lets go after the check read the records, before it locks."""
    writer = contextlib.ExitStack()
    staged = writer.enter_context(storage.staging(store.directory, "9" * 32 + ".png"))
    with staged.writer() as out:
        out.write(b"stored just now")
    staged.keep()
    reads = 0

    @contextlib.contextmanager
    def session() -> Iterator[sqlmodel.Session]:
        nonlocal reads
        reads += 1
        with store.session() as opened:
            yield opened
        if reads == 1:
            # Right after the check's first read (which found no record for the file):
            # the writer commits its record, then closes the file (its lock goes).
            with store.session() as other:
                other.add(record_for(staged.name, b"stored just now"))
                other.commit()
            writer.close()

    report = scan(LocalStore(store.directory), session_factory=session)
    # Records, records again under the lock, then the resumable uploads (none).
    assert reads == 3, "the check should have read the records again, under the lock"
    assert report.orphan_files == []
    assert report.busy_files == []
    assert report.problems == 0
    assert staged.path.exists()


def test_repair_spares_a_file_whose_record_appeared_after_the_check(store: Store) -> None:
    late = store.file("8" * 32 + ".png", b"late")
    report = store.scan()
    assert report.orphan_files == [late.name]
    with store.session() as session:
        session.add(record_for(late.name, b"late"))
        session.commit()
    assert store.repair(report).files_removed == []
    assert late.exists()
    assert store.scan().problems == 0


def test_a_temp_file_being_written_is_left_alone(store: Store) -> None:
    """Storage locks its temp file; neither the check nor the start-up clean-up touch it."""
    fd, name = storage._open_temp(store.directory)
    temp = Path(name)
    os.write(fd, b"still arriving")
    os.utime(temp, (LONG_AGO, LONG_AGO))  # old, but its writer is alive
    try:
        report = store.scan()
        assert report.temp_files == []
        assert report.busy_temp_files == [temp.name]
        assert consistency.remove_leftover_temp_files(store.directory) == []
        assert temp.exists()
    finally:
        os.close(fd)  # the writer "dies": the kernel drops its lock
    assert store.scan().temp_files == [temp.name]
    assert consistency.remove_leftover_temp_files(store.directory) == [temp]
    assert not temp.exists()


def test_a_temp_file_just_created_is_left_alone(store: Store) -> None:
    """Between creating and locking its file, a writer has a moment: the grace covers it."""
    temp = store.file(f"{TEMP_PREFIX}fedcba9876543210", age_s=0)
    assert store.scan().busy_temp_files == [temp.name]
    assert consistency.remove_leftover_temp_files(store.directory) == []
    os.utime(temp, (LONG_AGO, LONG_AGO))
    assert consistency.remove_leftover_temp_files(store.directory) == [temp]


def test_check_then_repair_then_check(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """The command's three steps and exit codes, run in this process on this store."""
    names = corrupt(store)

    def run(*args: str) -> tuple[int, str]:
        status = maintenance.main(
            ["check", *args], store=LocalStore(store.directory), session_factory=store.session
        )
        return status, capsys.readouterr().out

    status, out = run()
    assert status == 1
    assert "Found 4 problem(s). Run with --repair to fix them." in out
    for key in ("orphan", "gone", "thumbless", "temp"):
        assert names[key] in out
    assert (store.directory / names["orphan"]).exists()  # a check changes nothing

    status, out = run("--repair")
    assert status == 0, out
    assert "Repaired: removed 2 file(s) without a record and 1 temporary file(s)" in out
    assert "Clean now." in out
    assert not (store.directory / names["orphan"]).exists()

    status, out = run()
    assert status == 0, out
    assert "Clean: every file has its record and every record its file." in out


def test_the_real_module_reports_and_exits_1(store: Store) -> None:
    """The module run as a command, configured from the environment like the app.

    (The SIGKILL test runs it on a clean store and gets 0.)
    """
    names = corrupt(store)
    env = {
        **os.environ,
        "REFLEX_UPLOADED_FILES_DIR": str(store.directory),
        "REFLEX_DB_URL": store.db_url,
    }
    found = subprocess.run(
        [sys.executable, "-m", "upload_demo.maintenance", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"Stored files: directory {store.directory}" in found.stdout
    assert f"Database:     {store.db_url}" in found.stdout
    assert "Found 4 problem(s)." in found.stdout
    for key in ("orphan", "gone", "thumbless", "temp"):
        assert names[key] in found.stdout


def run_check(
    store: Store, capsys: pytest.CaptureFixture[str], *args: str, directory: Path | None = None
) -> tuple[int, str, str]:
    status = maintenance.main(
        ["check", *args],
        store=LocalStore(store.directory if directory is None else directory),
        session_factory=store.session,
    )
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_missing_upload_dir_is_an_error_not_an_empty_store(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Say, cron without REFLEX_UPLOADED_FILES_DIR: every record would look lost."""
    for stem in "ghi":
        store.stored(stem * 32)
    nowhere = store.directory.parent / "not-the-upload-dir"
    # As configured (the environment), and not created on the way.
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(nowhere))
    status = maintenance.main(["check", "--repair", "--force"], session_factory=store.session)
    captured = capsys.readouterr()
    assert status == 2
    assert f"The upload dir {nowhere} does not exist" in captured.err
    assert "REFLEX_UPLOADED_FILES_DIR" in captured.err
    assert not nowhere.exists()
    assert len(store.rows()) == 3

    a_file = store.directory / ("g" * 32 + ".png")
    status, _, err = run_check(store, capsys, "--repair", directory=a_file)
    assert status == 2
    assert "does not exist (or is not a directory)" in err
    assert len(store.rows()) == 3


def test_repair_refuses_to_delete_every_record_unless_forced(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An upload dir that exists but is the wrong one: every file seems gone."""
    for stem in "ghi":
        store.stored(stem * 32, preview=True)
    wrong = tmp_path / "empty-uploads"
    wrong.mkdir()

    status, out, err = run_check(store, capsys, directory=wrong)
    assert status == 1
    assert "Records without their file (3):" in out
    assert "Every one of the 3 records has lost its file" in err

    status, out, err = run_check(store, capsys, "--repair", directory=wrong)
    assert status == 2
    assert "Refusing to repair: it would delete all 3 records" in err
    assert "--repair --force" in err
    assert "Repaired" not in out
    assert len(store.rows()) == 3

    status, out, _ = run_check(store, capsys, "--repair", "--force", directory=wrong)
    assert status == 0, out
    assert "deleted 3 record(s) without a file" in out
    assert store.rows() == {}


def test_repair_deletes_a_few_lost_records_without_force(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """Below the threshold, or with some records intact, a repair needs no --force."""
    for stem in "gh":
        store.stored(stem * 32, on_disk=False)
    status, out, err = run_check(store, capsys, "--repair")
    assert status == 0, out + err
    assert "Every one" not in err
    assert store.rows() == {}

    store.stored("k" * 32)
    for stem in "lmn":
        store.stored(stem * 32, on_disk=False)
    status, out, err = run_check(store, capsys, "--repair")
    assert status == 0, out + err
    assert list(store.rows()) == ["k" * 32 + ".png"]
