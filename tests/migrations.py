"""The migrations driven by Alembic itself, on any database URL (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy
from alembic import command
from alembic.config import Config

from tests.conftest import ROOT

#: The last revision before name_key, and rows as a user had them stored then.
BEFORE_NAME_KEY = "9e4b1c7d2f30"
OLD_NAMES = ["Äpfel.PNG", "STRASSE.pdf", "Straße.pdf", "ﬁle.txt"]
#: What the name_key migration fills in for them (case and accents folded).
FOLDED = {
    "Äpfel.PNG": "apfel.png",
    "STRASSE.pdf": "strasse.pdf",
    "Straße.pdf": "strasse.pdf",
    "ﬁle.txt": "file.txt",
}


def assert_reflex_migrate_is_quiet(url: str) -> None:
    """``reflex db migrate`` on ``url``, twice (then up to date): it succeeds, warning of nothing.

    It also compares the models with the migrated schema, so a table Alembic
    cannot reflect, or a deprecated base class, shows here as a warning.
    """
    env = {**os.environ, "REFLEX_DB_URL": url}
    for attempt in ("empty database", "up to date"):
        done = subprocess.run(
            [sys.executable, "-m", "reflex", "db", "migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        for word in ("Warning", "deprecated", "Detected database schema changes"):
            assert word not in output, f"{attempt}: {output}"


def alembic_config(url: str) -> Config:
    """The project's alembic.ini and versions, pointed at ``url``."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    return config


#: What the totals migration back-fills for OLD_NAMES: (kind, page) -> (files, bytes).
OLD_TOTALS = {("image", "images"): (len(OLD_NAMES), len(OLD_NAMES))}


def kept_totals(url: str) -> dict[tuple[str, str], tuple[int, int]]:
    """The rows of ``filetotal`` on ``url``."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text("SELECT kind, source_page, files, bytes FROM filetotal")
            )
            return {(kind, page): (files, size) for kind, page, files, size in rows}
    finally:
        engine.dispose()


def upgrade_with_old_rows(url: str) -> dict[str, str]:
    """Migrate ``url`` to BEFORE_NAME_KEY, store OLD_NAMES, migrate to head; name -> name_key."""
    config = alembic_config(url)
    command.upgrade(config, BEFORE_NAME_KEY)
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            for number, name in enumerate(OLD_NAMES):
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
            rows = connection.execute(
                sqlalchemy.text("SELECT original_name, name_key FROM storedfile")
            )
            return {name: key for name, key in rows}
    finally:
        engine.dispose()
