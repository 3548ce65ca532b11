"""media columns, one row per SHA-256

Revision ID: 7c1d2e9a4b10
Revises: 3afcf7ed3e4e
Create Date: 2026-11-25 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7c1d2e9a4b10"
down_revision: str | Sequence[str] | None = "3afcf7ed3e4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add codec and preview_name; make sha256 unique (duplicates are refused)."""
    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("codec", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("preview_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_storedfile_sha256"))
        batch_op.create_unique_constraint("uq_storedfile_sha256", ["sha256"])


def downgrade() -> None:
    """Back to the first schema."""
    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.drop_constraint("uq_storedfile_sha256", type_="unique")
        batch_op.create_index(batch_op.f("ix_storedfile_sha256"), ["sha256"], unique=False)
        batch_op.drop_column("preview_name")
        batch_op.drop_column("codec")
