"""Keep the stored files and the database consistent: ``python -m upload_demo.maintenance``.

``check`` lists files without a record, records without their file (or
without their preview), and temporary files a crash left behind; in a bucket
also multipart uploads and leases whose writer is gone. It exits 1 when it
finds any and 0 when all is clean, so cron and scripts can use it.
``check --repair`` removes the stray files, aborts the abandoned uploads,
deletes the records whose file is gone, clears a missing preview, then checks
again (exit 0 when that is clean). Run it from the project directory: it
reads the same configuration as the app (``rxconfig.py``, ``REFLEX_DB_URL``,
``REFLEX_UPLOADED_FILES_DIR``, ``UPLOAD_DEMO_STORAGE`` and the AWS settings).

A wrong upload dir or bucket looks like every file lost, and a repair would
then delete every record. So the command exits 2, changing nothing, when the
upload dir does not exist or the bucket cannot be reached, and ``--repair``
refuses (exit 2) when it would delete every record of at least
``SUSPICIOUS_LOSS`` as missing, unless ``--force``.

The check and the repair themselves, safe while uploads run, are consistency.py.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

import botocore.exceptions
import reflex as rx
import sqlalchemy

from upload_demo import reflex_internals, stores
from upload_demo.bucket import BucketStore, PartialUpload
from upload_demo.consistency import repair, scan
from upload_demo.findings import SUSPICIOUS_LOSS, Report, Row, SessionFactory
from upload_demo.stores import LocalStore, Store
from upload_demo.units import human_bytes


def _size(path: Path) -> str:
    try:
        return human_bytes(path.stat().st_size)
    except FileNotFoundError:
        return "gone"


def _stored_size(store: Store, name: str) -> str:
    if isinstance(store, LocalStore):
        return _size(store.directory / name)
    return ""


def _upload_text(upload: PartialUpload) -> str:
    return f"{upload.name}  started {upload.initiated:%Y-%m-%d %H:%M:%S} UTC"


def _row_text(row: Row) -> str:
    return f"record #{row.id}: {row.stored_name} ({row.original_name!r})"


def format_report(store: Store, report: Report) -> list[str]:
    """The report as lines for a person to read."""
    lines: list[str] = []

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(f"  {item}" for item in items)

    section(
        "Files without a record",
        [f"{n}  {_stored_size(store, n)}".rstrip() for n in report.orphan_files],
    )
    section("Records without their file", [_row_text(r) for r in report.missing_files])
    section(
        "Records whose preview is missing",
        [f"{_row_text(r)}, preview {r.preview_name}" for r in report.missing_previews],
    )
    section(
        "Leftover temporary files",
        [f"{n}  {_size(store.staging_dir / n)}" for n in report.temp_files],
    )
    section(
        "Unfinished multipart uploads whose writer is gone",
        [_upload_text(u) for u in report.partial_uploads],
    )
    section("Expired leases of uploads that never sent a byte", report.stale_leases)
    section(
        "Resumable uploads abandoned past their expiry",
        [
            f"{u.id}  {u.name!r}, {u.received} of {u.length} bytes, expired "
            f"{u.expires_at:%Y-%m-%d %H:%M:%S} UTC"
            for u in report.expired_uploads
        ],
    )
    section("Partial files of no resumable upload", report.stray_partials)
    section(
        "Left alone: temporary files still being written",
        report.busy_temp_files,
    )
    section(
        "Left alone: files being stored right now (their record is not committed yet)",
        report.busy_files,
    )
    section(
        "Left alone: multipart uploads still running",
        [_upload_text(u) for u in report.busy_partial_uploads],
    )
    return lines


def _describe_db() -> str:
    url = reflex_internals.db_url()
    with contextlib.suppress(Exception):
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    return url


def _configured_store() -> Store:
    """The app's Store, but never creating a missing upload dir (that hides a wrong setting)."""
    if stores.in_bucket():
        return stores.configured()
    return LocalStore(reflex_internals.configured_upload_dir())


def _unreachable(store: Store) -> str:
    """Why the files cannot be checked ("" when they can)."""
    if isinstance(store, LocalStore):
        if store.directory.is_dir():
            return ""
        return (
            f"The upload dir {store.directory} does not exist (or is not a directory). Run "
            "from the project directory, or set REFLEX_UPLOADED_FILES_DIR as the app has it"
        )
    assert isinstance(store, BucketStore)
    try:
        store.client.head_bucket(Bucket=store.bucket)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        return f"The bucket {store.url} cannot be reached ({exc})"
    return ""


def main(
    argv: Sequence[str] | None = None,
    *,
    store: Store | None = None,
    session_factory: SessionFactory = rx.session,
) -> int:
    """The command line; returns the exit status.

    ``store`` and ``session_factory`` default to the app's configured storage
    and database.
    """
    parser = argparse.ArgumentParser(
        prog="python -m upload_demo.maintenance",
        description="Check that stored files and database records match; optionally repair.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="list files without records, records without files, leftover temp files",
        description=(
            "Exit status: 0 when clean, 1 when something is wrong (or a repair failed), "
            "2 when the upload dir is missing, the bucket unreachable, or a repair was refused."
        ),
    )
    check.add_argument(
        "--repair",
        action="store_true",
        help="remove stray and temporary files, abort abandoned multipart uploads, "
        "delete records whose file is gone",
    )
    check.add_argument(
        "--force",
        action="store_true",
        help=f"repair even when every record (of {SUSPICIOUS_LOSS} or more) lost its file",
    )
    args = parser.parse_args(argv)

    if store is None:
        store = _configured_store()
    print(f"Stored files: {store.describe()}")
    if session_factory is rx.session:
        print(f"Database:     {_describe_db()}")
    unreachable = _unreachable(store)
    if unreachable:
        print(f"{unreachable}: nothing was checked.", file=sys.stderr)
        return 2
    report = scan(store, session_factory=session_factory)
    for line in format_report(store, report):
        print(line)
    if not report.problems:
        print("Clean: every file has its record and every record its file.")
        return 0
    if report.all_records_missing:
        print(
            f"Every one of the {report.records} records has lost its file: is "
            f"{store.describe()} where the app stores (REFLEX_UPLOADED_FILES_DIR, "
            "UPLOAD_DEMO_STORAGE)?",
            file=sys.stderr,
        )
    if not args.repair:
        print(f"Found {report.problems} problem(s). Run with --repair to fix them.")
        return 1
    if report.all_records_missing and not args.force:
        print(
            f"Refusing to repair: it would delete all {report.records} records. If the files "
            "really are gone, run again with --repair --force.",
            file=sys.stderr,
        )
        return 2
    done = repair(store, report, session_factory=session_factory)
    print(
        f"Repaired: removed {len(done.files_removed)} file(s) without a record and "
        f"{len(done.temp_removed)} temporary file(s), aborted {len(done.uploads_aborted)} "
        f"multipart upload(s), dropped {len(done.leases_dropped)} expired lease(s), deleted "
        f"{len(done.records_deleted)} record(s) without a file, cleared "
        f"{len(done.previews_cleared)} missing preview(s), removed "
        f"{len(done.resumable_removed)} abandoned resumable upload(s)."
    )
    after = scan(store, session_factory=session_factory)
    if after.problems:
        for line in format_report(store, after):
            print(line)
        print(f"Still {after.problems} problem(s) after the repair.")
        return 1
    print("Clean now.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
