"""access: accounts, sign-in sessions, tab grants, failures, drop links, the uploader

Revision ID: dbe5212b8423
Revises: e7f3a9c1b2d4
Create Date: 2026-12-01 14:08:20

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "dbe5212b8423"
down_revision: str | Sequence[str] | None = "e7f3a9c1b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The access tables; every existing file was uploaded by "unknown".

    storedfile only gains columns and indexes (no foreign key): on SQLite anything
    more rebuilds the table, and that drops the FileTotal triggers.
    """
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "appsecret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "droplink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("max_files", sa.Integer(), nullable=True),
        sa.Column("max_bytes", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_table(
        "signinfailure",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "signinsession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signinsession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signinsession_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "tabgrant",
        sa.Column("client_token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("drop_link_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["drop_link_id"], ["droplink.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["signinsession.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("client_token"),
    )
    with op.batch_alter_table("tabgrant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tabgrant_drop_link_id"), ["drop_link_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tabgrant_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("storedfile", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "uploaded_by",
                sqlmodel.sql.sqltypes.AutoString(),
                server_default="unknown",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("drop_link_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_storedfile_drop_link_id"), ["drop_link_id"], unique=False
        )
        batch_op.create_index(
            "ix_storedfile_uploaded_by_created_at_id",
            ["uploaded_by", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_storedfile_uploaded_by_name_key_id", ["uploaded_by", "name_key", "id"], unique=False
        )
        batch_op.create_index(
            "ix_storedfile_uploaded_by_size_id", ["uploaded_by", "size", "id"], unique=False
        )


def downgrade() -> None:
    """Drop them, and the uploader columns."""
    # Not in batch mode: on SQLite that rebuilds the table and drops its triggers;
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) keeps them.
    for index in (
        "ix_storedfile_uploaded_by_size_id",
        "ix_storedfile_uploaded_by_name_key_id",
        "ix_storedfile_uploaded_by_created_at_id",
        "ix_storedfile_drop_link_id",
    ):
        op.drop_index(index, table_name="storedfile")
    op.drop_column("storedfile", "drop_link_id")
    op.drop_column("storedfile", "uploaded_by")

    with op.batch_alter_table("tabgrant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tabgrant_session_id"))
        batch_op.drop_index(batch_op.f("ix_tabgrant_drop_link_id"))

    op.drop_table("tabgrant")
    with op.batch_alter_table("signinsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signinsession_account_id"))

    op.drop_table("signinsession")
    op.drop_table("signinfailure")
    op.drop_table("droplink")
    op.drop_table("appsecret")
    op.drop_table("account")
