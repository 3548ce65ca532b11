"""name_key: the folded file name, indexed, instead of an index on lower()

Revision ID: b5d8e3f1a7c2
Revises: 9e4b1c7d2f30
Create Date: 2026-12-01 09:10:00

"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b5d8e3f1a7c2"
down_revision: str | Sequence[str] | None = "9e4b1c7d2f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_files = sa.table(
    "storedfile",
    sa.column("id", sa.Integer),
    sa.column("original_name", sa.String),
    sa.column("name_key", sa.String),
)


def _fold(name: str) -> str:
    # Frozen copy of models.fold_name: a migration must not change when the app does.
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold())


def upgrade() -> None:
    """Add name_key, fill it from every row, index it, drop the expression index."""
    op.add_column(
        "storedfile",
        sa.Column(
            "name_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )
    connection = op.get_bind()
    for row_id, name in connection.execute(sa.select(_files.c.id, _files.c.original_name)).all():
        connection.execute(
            _files.update().where(_files.c.id == row_id).values(name_key=_fold(name))
        )
    op.drop_index("ix_storedfile_original_name_lower", table_name="storedfile")
    op.create_index(op.f("ix_storedfile_name_key"), "storedfile", ["name_key"], unique=False)


def downgrade() -> None:
    """Back to the expression index on lower(original_name).

    The column goes first: on SQLite, batch mode rebuilds the table from what
    it can reflect, and an expression index cannot be reflected.
    """
    op.drop_index(op.f("ix_storedfile_name_key"), table_name="storedfile")
    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.drop_column("name_key")
    op.create_index(
        "ix_storedfile_original_name_lower",
        "storedfile",
        [sa.text("lower(original_name)")],
        unique=False,
    )
