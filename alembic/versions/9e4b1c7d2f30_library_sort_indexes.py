"""indexes for the library's sorts

Revision ID: 9e4b1c7d2f30
Revises: 7c1d2e9a4b10
Create Date: 2026-11-25 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b1c7d2f30"
down_revision: str | Sequence[str] | None = "7c1d2e9a4b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index size and lower(original_name): the library sorts by both, a page at a time."""
    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storedfile_size"), ["size"], unique=False)
        batch_op.create_index(
            "ix_storedfile_original_name_lower", [sa.text("lower(original_name)")], unique=False
        )


def downgrade() -> None:
    """Drop the library's sort indexes."""
    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.drop_index("ix_storedfile_original_name_lower")
        batch_op.drop_index(batch_op.f("ix_storedfile_size"))
