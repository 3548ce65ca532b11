"""name_key compared byte by byte (collation "C") on PostgreSQL, as on SQLite

Revision ID: d2a6f0c4e8b1
Revises: b5d8e3f1a7c2
Create Date: 2026-12-01 10:05:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2a6f0c4e8b1"
down_revision: str | Sequence[str] | None = "b5d8e3f1a7c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """PostgreSQL sorts by the database's collation (en-US ignores punctuation): use "C".

    name_key is already folded in Python (models.fold_name), so a byte order gives
    every database the same sort; SQLite's default (BINARY) is that already.
    PostgreSQL rebuilds ix_storedfile_name_key with the column.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column(
        "storedfile",
        "name_key",
        type_=sa.String(collation="C"),
        existing_type=sa.String(),
        existing_nullable=False,
        existing_server_default="",
    )


def downgrade() -> None:
    """Back to the database's default collation."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column(
        "storedfile",
        "name_key",
        type_=sa.String(),
        existing_type=sa.String(collation="C"),
        existing_nullable=False,
        existing_server_default="",
    )
