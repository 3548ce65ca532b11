"""The migrations as a new user meets them: from an empty database, without a warning.

``reflex db migrate`` also compares the models with the migrated schema, so
a table Alembic cannot reflect, or a deprecated base class, would print a
warning on every ``make run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import reflex as rx
import sqlalchemy
from alembic import command
from alembic.config import Config

from tests.conftest import ROOT
from upload_demo.models import StoredFile


def _reflex_db(args: list[str], database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REFLEX_DB_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "reflex", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_from_empty_then_again_prints_no_warning(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    for attempt in ("empty database", "up to date"):
        done = _reflex_db(["migrate"], database)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        for word in ("Warning", "deprecated", "Detected database schema changes"):
            assert word not in output, f"{attempt}: {output}"


def test_reflex_migrations_see_the_tables() -> None:
    assert StoredFile.__tablename__ in rx.ModelRegistry.get_metadata().tables


def _alembic(database: Path) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{database}")
    return config


# The downgrade step recreates the old expression index, which SQLAlchemy cannot reflect.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_name_key_is_filled_for_rows_stored_before_it(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    config = _alembic(database)
    command.upgrade(config, "9e4b1c7d2f30")
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    names = ["Äpfel.PNG", "STRASSE.pdf", "Straße.pdf", "ﬁle.txt"]
    with engine.begin() as connection:
        for number, name in enumerate(names):
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO storedfile (original_name, stored_name, kind, content_type, "
                    "size, sha256, source_page, created_at) VALUES "
                    "(:name, :stored, 'image', 'image/png', 1, :sha, 'images', '2026-01-01')"
                ),
                {"name": name, "stored": f"s{number}.png", "sha": f"{number:064x}"},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT original_name, name_key FROM storedfile"))
        keys = {name: key for name, key in rows}
        indexes = {i["name"] for i in sqlalchemy.inspect(connection).get_indexes("storedfile")}
    engine.dispose()
    assert keys == {
        "Äpfel.PNG": "apfel.png",
        "STRASSE.pdf": "strasse.pdf",
        "Straße.pdf": "strasse.pdf",
        "ﬁle.txt": "file.txt",
    }
    assert "ix_storedfile_name_key" in indexes
    assert "ix_storedfile_original_name_lower" not in indexes
    command.downgrade(config, "9e4b1c7d2f30")
    with engine.connect() as connection:
        index_rows = connection.execute(
            sqlalchemy.text("SELECT name FROM sqlite_master WHERE type = 'index'")
        ).all()
        columns = {c["name"] for c in sqlalchemy.inspect(connection).get_columns("storedfile")}
    engine.dispose()
    assert ("ix_storedfile_original_name_lower",) in index_rows
    assert "name_key" not in columns
