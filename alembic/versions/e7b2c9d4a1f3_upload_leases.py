"""upload leases: a bucket object's claim between its first byte and its record

Revision ID: e7b2c9d4a1f3
Revises: d2a6f0c4e8b1
Create Date: 2026-12-01 11:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e7b2c9d4a1f3"
down_revision: str | Sequence[str] | None = "d2a6f0c4e8b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The uploadlease table (models.UploadLease)."""
    op.create_table(
        "uploadlease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("uploadlease", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploadlease_holder"), ["holder"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_uploadlease_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    """Drop it: leases only live for the seconds an upload takes."""
    with op.batch_alter_table("uploadlease", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploadlease_expires_at"))
        batch_op.drop_index(batch_op.f("ix_uploadlease_holder"))
    op.drop_table("uploadlease")
