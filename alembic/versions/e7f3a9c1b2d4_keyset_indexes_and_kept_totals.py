"""keyset indexes for every (filter, sort), and filetotal kept by triggers

Revision ID: e7f3a9c1b2d4
Revises: e7b2c9d4a1f3
Create Date: 2026-12-01 11:30:00

The library pages by keyset (upload_demo/library.py): each (filter, sort) pair gets an
index ending in id, so a page is one range of one index. Totals (count, bytes per kind
and page) were a COUNT + SUM of every row on every view; ``filetotal`` keeps them,
written by triggers in the transaction of each row change, so every writer (workers,
the maintenance repair, bulk statements) keeps them right without knowing about them.

On PostgreSQL the triggers are statement-level with transition tables: a bulk statement
(COPY, a multi-row INSERT, the repair's DELETE ... IN) touches each (kind, page) row once,
where a row-level trigger would update the same counter row once per row. Creating a
trigger locks out writers until this migration commits, so the back-fill, after the
triggers, counts every row exactly once. SQLite has row-level triggers only, and its
driver may commit DDL on its own: a row inserted between the triggers and the back-fill
would count twice, so the back-fill first empties the table, in the transaction its
DELETE opens, which holds SQLite's write lock until the migration commits.

A later SQLite migration in batch mode rebuilds ``storedfile`` and drops its triggers:
such a migration must create them again (``tests/unit/test_totals.py`` would fail).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7f3a9c1b2d4"
down_revision: str | Sequence[str] | None = "e7b2c9d4a1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of models.SORT_COLUMNS / FILTER_PREFIXES: a migration must not change
# when the app does.
_SORT_COLUMNS = ("created_at", "size", "name_key")
_PREFIXES: tuple[tuple[str, ...], ...] = ((), ("kind",), ("source_page",), ("kind", "source_page"))
#: The single-column indexes the composite ones replace (each is a prefix of one).
_OLD_INDEXES = {
    "ix_storedfile_created_at": "created_at",
    "ix_storedfile_kind": "kind",
    "ix_storedfile_size": "size",
    "ix_storedfile_source_page": "source_page",
    "ix_storedfile_name_key": "name_key",
}

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER file_totals_insert AFTER INSERT ON storedfile BEGIN
  INSERT INTO filetotal (kind, source_page, files, bytes)
  VALUES (NEW.kind, NEW.source_page, 1, NEW.size)
  ON CONFLICT (kind, source_page)
  DO UPDATE SET files = files + 1, bytes = bytes + excluded.bytes;
END""",
    """CREATE TRIGGER file_totals_delete AFTER DELETE ON storedfile BEGIN
  UPDATE filetotal SET files = files - 1, bytes = bytes - OLD.size
  WHERE kind = OLD.kind AND source_page = OLD.source_page;
  DELETE FROM filetotal
  WHERE kind = OLD.kind AND source_page = OLD.source_page AND files <= 0;
END""",
    """CREATE TRIGGER file_totals_update AFTER UPDATE OF kind, source_page, size ON storedfile
WHEN OLD.kind IS NOT NEW.kind OR OLD.source_page IS NOT NEW.source_page
  OR OLD.size IS NOT NEW.size
BEGIN
  UPDATE filetotal SET files = files - 1, bytes = bytes - OLD.size
  WHERE kind = OLD.kind AND source_page = OLD.source_page;
  DELETE FROM filetotal
  WHERE kind = OLD.kind AND source_page = OLD.source_page AND files <= 0;
  INSERT INTO filetotal (kind, source_page, files, bytes)
  VALUES (NEW.kind, NEW.source_page, 1, NEW.size)
  ON CONFLICT (kind, source_page)
  DO UPDATE SET files = files + 1, bytes = bytes + excluded.bytes;
END""",
]

# The (kind, page) rows are locked in one order first, so two statements that change
# several groups at once cannot deadlock on them.
_PG_FUNCTION = """CREATE FUNCTION file_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM 1 FROM filetotal t
      WHERE (t.kind, t.source_page) IN (SELECT kind, source_page FROM old_rows)
      ORDER BY t.kind, t.source_page FOR UPDATE;
    UPDATE filetotal t SET files = t.files - o.files, bytes = t.bytes - o.bytes
      FROM (SELECT kind, source_page, count(*) AS files, sum(size) AS bytes
            FROM old_rows GROUP BY kind, source_page) o
      WHERE t.kind = o.kind AND t.source_page = o.source_page;
    DELETE FROM filetotal WHERE files <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO filetotal (kind, source_page, files, bytes)
      SELECT kind, source_page, count(*), sum(size) FROM new_rows
      GROUP BY kind, source_page ORDER BY kind, source_page
      ON CONFLICT (kind, source_page) DO UPDATE
      SET files = filetotal.files + EXCLUDED.files,
          bytes = filetotal.bytes + EXCLUDED.bytes;
  END IF;
  RETURN NULL;
END $$"""

_PG_TRUNCATE_FUNCTION = """CREATE FUNCTION file_totals_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN DELETE FROM filetotal; RETURN NULL; END $$"""

_PG_TRIGGERS = [
    "CREATE TRIGGER file_totals_insert AFTER INSERT ON storedfile "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION file_totals_apply()",
    "CREATE TRIGGER file_totals_delete AFTER DELETE ON storedfile "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION file_totals_apply()",
    "CREATE TRIGGER file_totals_update AFTER UPDATE ON storedfile "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION file_totals_apply()",
    "CREATE TRIGGER file_totals_truncate AFTER TRUNCATE ON storedfile "
    "FOR EACH STATEMENT EXECUTE FUNCTION file_totals_truncate()",
]

_BACKFILL = """INSERT INTO filetotal (kind, source_page, files, bytes)
SELECT kind, source_page, count(*), sum(size) FROM storedfile GROUP BY kind, source_page"""


def _index_name(prefix: tuple[str, ...], column: str) -> str:
    return "_".join(["ix_storedfile", *prefix, column, "id"])


def upgrade() -> None:
    """The twelve keyset indexes instead of five single-column ones; filetotal, filled."""
    for name in _OLD_INDEXES:
        op.drop_index(op.f(name), table_name="storedfile")
    for prefix in _PREFIXES:
        for column in _SORT_COLUMNS:
            op.create_index(
                op.f(_index_name(prefix, column)), "storedfile", [*prefix, column, "id"]
            )
    op.create_table(
        "filetotal",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source_page", sa.String(), nullable=False),
        sa.Column("files", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "source_page"),
    )
    if op.get_bind().dialect.name == "postgresql":
        statements = [_PG_FUNCTION, _PG_TRUNCATE_FUNCTION, *_PG_TRIGGERS]
    else:
        statements = _SQLITE_TRIGGERS
    for statement in [*statements, "DELETE FROM filetotal", _BACKFILL]:
        op.execute(statement)


def downgrade() -> None:
    """Back to the single-column indexes; the totals go with their triggers."""
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("insert", "delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER file_totals_{trigger} ON storedfile")
        op.execute("DROP FUNCTION file_totals_apply()")
        op.execute("DROP FUNCTION file_totals_truncate()")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER file_totals_{trigger}")
    op.drop_table("filetotal")
    for prefix in _PREFIXES:
        for column in _SORT_COLUMNS:
            op.drop_index(op.f(_index_name(prefix, column)), table_name="storedfile")
    for name, column in _OLD_INDEXES.items():
        op.create_index(op.f(name), "storedfile", [column])
