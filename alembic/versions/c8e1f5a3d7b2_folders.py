"""folders: the folder a file came from, on stored files and resumable uploads

Revision ID: c8e1f5a3d7b2
Revises: f4c8a2d6b9e1
Create Date: 2026-12-01 20:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c8e1f5a3d7b2"
down_revision: str | Sequence[str] | None = "f4c8a2d6b9e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of models.NAME_KEY_TYPE: folder_key is compared with name_key, byte by byte.
_KEY_TYPE = sqlmodel.sql.sqltypes.AutoString().with_variant(
    sa.String(collation="C"), "postgresql"
)


def upgrade() -> None:
    """Every file stored before came from no folder: "" (so its folded key is "" too).

    Plain ADD COLUMN, not batch mode: on SQLite that would rebuild storedfile
    and drop the FileTotal triggers.
    """
    op.add_column(
        "storedfile",
        sa.Column("folder", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False),
    )
    op.add_column(
        "storedfile", sa.Column("folder_key", _KEY_TYPE, server_default="", nullable=False)
    )
    op.add_column(
        "resumableupload",
        sa.Column("folder", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False),
    )


def downgrade() -> None:
    """Drop them (ALTER TABLE ... DROP COLUMN: SQLite 3.35+ keeps the triggers)."""
    op.drop_column("resumableupload", "folder")
    op.drop_column("storedfile", "folder_key")
    op.drop_column("storedfile", "folder")
