"""The migrations as a new user meets them: from an empty database, without a warning.

``reflex db migrate`` also compares the models with the migrated schema, so
a table Alembic cannot reflect, or a deprecated base class, would print a
warning on every ``make run``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx
import sqlalchemy
from alembic import command

from tests import migrations
from upload_demo.models import StoredFile


def test_migrate_from_empty_then_again_prints_no_warning(tmp_path: Path) -> None:
    migrations.assert_reflex_migrate_is_quiet(f"sqlite:///{tmp_path / 'fresh.db'}")


def test_reflex_migrations_see_the_tables() -> None:
    assert StoredFile.__tablename__ in rx.ModelRegistry.get_metadata().tables


# The downgrade step recreates the old expression index, which SQLAlchemy cannot reflect.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_name_key_is_filled_for_rows_stored_before_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert migrations.upgrade_with_old_rows(url) == migrations.FOLDED
    assert migrations.kept_totals(url) == migrations.OLD_TOTALS
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        indexes = {i["name"] for i in sqlalchemy.inspect(connection).get_indexes("storedfile")}
    engine.dispose()
    assert "ix_storedfile_name_key_id" in indexes
    assert "ix_storedfile_original_name_lower" not in indexes
    command.downgrade(migrations.alembic_config(url), migrations.BEFORE_NAME_KEY)
    with engine.connect() as connection:
        index_rows = connection.execute(
            sqlalchemy.text("SELECT name FROM sqlite_master WHERE type = 'index'")
        ).all()
        columns = {c["name"] for c in sqlalchemy.inspect(connection).get_columns("storedfile")}
    engine.dispose()
    assert ("ix_storedfile_original_name_lower",) in index_rows
    assert "name_key" not in columns


def test_files_stored_before_accounts_were_uploaded_by_unknown(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before-accounts.db'}"
    migrations.upgrade_with_old_rows(url)
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sqlalchemy.text("SELECT DISTINCT uploaded_by, drop_link_id FROM storedfile")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in found] == [("unknown", None)]


#: The last revision before folders.
BEFORE_FOLDERS = "f4c8a2d6b9e1"


def _columns(engine: sqlalchemy.Engine, table: str) -> set[str]:
    with engine.connect() as connection:
        return {c["name"] for c in sqlalchemy.inspect(connection).get_columns(table)}


def test_files_stored_before_folders_came_from_none_and_the_way_back_keeps_the_totals(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'before-folders.db'}"
    migrations.upgrade_with_old_rows(url)
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sqlalchemy.text("SELECT DISTINCT folder, folder_key FROM storedfile")
            ).all()
        assert [tuple(row) for row in found] == [("", "")]
        assert "folder" in _columns(engine, "resumableupload")

        command.downgrade(migrations.alembic_config(url), BEFORE_FOLDERS)
        assert not {"folder", "folder_key"} & _columns(engine, "storedfile")
        assert "folder" not in _columns(engine, "resumableupload")
        # Not rebuilt in batch mode: the totals' triggers are still there.
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DELETE FROM storedfile"))
    finally:
        engine.dispose()
    assert migrations.kept_totals(url) == {}
