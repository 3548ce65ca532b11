"""resumable uploads: one row per tus upload until it is stored or abandoned

Revision ID: f4c8a2d6b9e1
Revises: dbe5212b8423
Create Date: 2026-12-01 17:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f4c8a2d6b9e1"
down_revision: str | Sequence[str] | None = "dbe5212b8423"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The resumableupload table."""
    op.create_table(
        "resumableupload",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_page", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resumableupload") as batch:
        batch.create_index("ix_resumableupload_batch", ["batch"], unique=False)
        batch.create_index("ix_resumableupload_expires_at", ["expires_at"], unique=False)
        batch.create_index("ix_resumableupload_uploaded_by", ["uploaded_by"], unique=False)


def downgrade() -> None:
    """Drop the table (its partial files are the maintenance check's to remove)."""
    op.drop_table("resumableupload")
