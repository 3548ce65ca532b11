"""Database tables. The file on disk and its row here exist together or not at all.

``StoredFile`` has one index per (filter, sort) pair the library offers, each
ending in ``id``: the sort's tie-breaker, so a keyset page (upload_demo/library.py)
is one ordered range of one index whatever the filter. ``FileTotal`` keeps the
count and bytes per (kind, page), written by database triggers (migration
``e7f3a9c1b2d4``) in the transaction of every insert, delete and update, so
totals never need a scan of ``storedfile``.

Plain ``sqlmodel.SQLModel`` tables (``rx.Model`` is deprecated since Reflex 0.9.2).
Reflex's migrations read ``SQLModel.metadata``, which every such table joins;
registering the table with ``rx.ModelRegistry`` as well would make Reflex merge
that metadata with itself and warn on every start.
"""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

import sqlalchemy
import sqlalchemy.event
import sqlmodel
import sqlmodel.sql.sqltypes


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def fold_name(name: str) -> str:
    """A file name as the library compares it: without case or accents ("Äpfel" is "apfel").

    Folding in Python rather than with SQL's ``lower()`` gives every database
    the same answer (SQLite's ``lower()`` folds ASCII letters only), and a
    plain column index serves the sort, which Alembic can reflect and compare.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold())


#: name_key's type: compared byte by byte everywhere, so every database sorts folded names
#: alike (SQLite's default BINARY; collation "C" on PostgreSQL, whose default collation
#: may be linguistic, en-US ignoring punctuation: "a_b" between "ab" and "ac").
NAME_KEY_TYPE = sqlmodel.sql.sqltypes.AutoString().with_variant(
    sqlalchemy.String(collation="C"), "postgresql"
)


def _fold_inserted_name(context: Any) -> str:
    """Core inserts (bulk ``insert(StoredFile)``) that leave ``name_key`` out."""
    return fold_name(context.get_current_parameters()["original_name"])


def _fold_inserted_folder(context: Any) -> str:
    """Core inserts that leave ``folder_key`` out (most leave ``folder`` out too)."""
    return fold_name(context.get_current_parameters().get("folder") or "")


#: The library's sort keys (columns of StoredFile) and its equality filters.
SORT_COLUMNS = ("created_at", "size", "name_key")
FILTER_PREFIXES: tuple[tuple[str, ...], ...] = (
    (),
    ("kind",),
    ("source_page",),
    ("kind", "source_page"),
    ("uploaded_by",),
)


def index_name(prefix: tuple[str, ...], column: str) -> str:
    """``ix_storedfile_[kind_][source_page_]<column>_id``: the index for one filter and sort."""
    return "_".join(["ix_storedfile", *prefix, column, "id"])


def _library_indexes() -> list[sqlalchemy.Index]:
    return [
        sqlalchemy.Index(index_name(prefix, column), *prefix, column, "id")
        for prefix in FILTER_PREFIXES
        for column in SORT_COLUMNS
    ]


class StoredFile(sqlmodel.SQLModel, table=True):
    """One stored upload. The user's file name lives here only, never on disk."""

    __table_args__ = tuple(_library_indexes())

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    original_name: str
    # original_name folded (fold_name), for search and sort; derived on every write.
    name_key: str = sqlmodel.Field(
        default="",
        sa_type=NAME_KEY_TYPE,
        sa_column_kwargs={"default": _fold_inserted_name},
    )
    #: The folder it came from inside what was chosen or dropped ("photos/sub"; "" for a
    #: lone file, and for rows from before folders): a label (folders.py), never a path.
    folder: str = sqlmodel.Field(default="", sa_column_kwargs={"server_default": ""})
    # folder folded as name_key is, so a search matches folders too; derived on every write.
    folder_key: str = sqlmodel.Field(
        default="",
        sa_type=NAME_KEY_TYPE,
        sa_column_kwargs={"default": _fold_inserted_folder, "server_default": ""},
    )
    stored_name: str = sqlmodel.Field(unique=True)
    kind: str
    content_type: str
    # BigInteger: multi-gigabyte files overflow a 32-bit column on PostgreSQL.
    size: int = sqlmodel.Field(sa_type=sqlalchemy.BigInteger)
    # Unique: the same bytes are stored once; a second upload is reported as a duplicate.
    sha256: str = sqlmodel.Field(unique=True)
    source_page: str
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)
    # Filled in by media processing.
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    codec: str | None = None
    # A derived file beside the original in the upload dir (image thumbnail or video
    # poster); it lives and dies with this row.
    preview_name: str | None = None
    #: The account name of whoever uploaded it; "anonymous" with no accounts, "unknown" for
    #: rows from before accounts, "drop link" for a drop link's upload (``drop_link_id``).
    uploaded_by: str = sqlmodel.Field(
        default="anonymous", sa_column_kwargs={"server_default": "unknown"}
    )
    #: No foreign key: on SQLite adding one rebuilds the table, which drops its triggers
    #: (FileTotal's); links are revoked, never deleted, so the id always resolves.
    drop_link_id: int | None = sqlmodel.Field(default=None, index=True)


@sqlalchemy.event.listens_for(StoredFile, "before_insert")
@sqlalchemy.event.listens_for(StoredFile, "before_update")
def _fold_before_write(mapper: Any, connection: Any, target: StoredFile) -> None:
    """ORM writes: the instance always carries the keys (their defaults), so set them."""
    target.name_key = fold_name(target.original_name)
    target.folder_key = fold_name(target.folder)


class UploadLease(sqlmodel.SQLModel, table=True):
    """A claim on a stored name while its bytes go to a bucket, before its record exists.

    Objects in a bucket cannot be locked as local files are (consistency.py), so a
    writer commits a lease before the first byte is sent and drops it in the very
    transaction that commits the record: at every instant a lease or a record
    names the object, unless the writer died, and then the lease expires.
    """

    name: str = sqlmodel.Field(primary_key=True)
    #: Random per upload: a writer only ever renews or drops its own leases.
    holder: str = sqlmodel.Field(index=True)
    expires_at: datetime.datetime = sqlmodel.Field(index=True)


class FileTotal(sqlmodel.SQLModel, table=True):
    """How many files of one kind from one page are stored, and their bytes.

    Written only by the triggers on ``storedfile`` (never by the app), in the
    same transaction as the row change: any writer (another worker, the
    maintenance repair, a bulk delete) keeps it right. A (kind, page) pair
    with no file left has no row, so its rows are the library's facets too.
    """

    kind: str = sqlmodel.Field(primary_key=True)
    source_page: str = sqlmodel.Field(primary_key=True)
    files: int = sqlmodel.Field(sa_type=sqlalchemy.BigInteger)
    bytes: int = sqlmodel.Field(sa_type=sqlalchemy.BigInteger)


# --- access (accounts.py, sessions.py, drop_links.py) -------------------------------

#: The two roles: members upload, browse and download; admins also delete and manage.
ADMIN = "admin"
MEMBER = "member"

#: ``StoredFile.uploaded_by`` when no account uploaded it: nobody signed in (the open app),
#: a row from before accounts, a drop link's visitor.
ANONYMOUS = "anonymous"
UNKNOWN = "unknown"
VIA_DROP_LINK = "drop link"


class Account(sqlmodel.SQLModel, table=True):
    """Someone who signs in. The password is kept as an argon2 hash only."""

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    #: Lower case, unique (accounts.clean_name).
    name: str = sqlmodel.Field(unique=True)
    password_hash: str
    role: str = MEMBER
    disabled: bool = False
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)
    last_sign_in_at: datetime.datetime | None = None


class SignInSession(sqlmodel.SQLModel, table=True):
    """A signed-in browser. Its cookie holds a random token; only the token's hash is here."""

    id: str = sqlmodel.Field(primary_key=True)
    account_id: int = sqlmodel.Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)
    #: Idle expiry counts from here; refreshed at most once a minute (sessions.TOUCH_EVERY).
    last_seen_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)


class TabGrant(sqlmodel.SQLModel, table=True):
    """What a tab (its Reflex client token) may upload as: a session or a drop link.

    The upload request of a page whose backend is another origin carries no
    cookie (Reflex sends it without credentials), but it carries the tab's
    token: the page's on_load writes this row from the cookie its websocket
    came with, and the upload guard reads it. It ends with the session.
    """

    client_token: str = sqlmodel.Field(primary_key=True)
    session_id: str | None = sqlmodel.Field(
        default=None, foreign_key="signinsession.id", index=True, ondelete="CASCADE"
    )
    drop_link_id: int | None = sqlmodel.Field(
        default=None, foreign_key="droplink.id", index=True, ondelete="CASCADE"
    )
    granted_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)


class SignInFailure(sqlmodel.SQLModel, table=True):
    """Failed sign-ins per account name and per client address, to slow guessing down."""

    key: str = sqlmodel.Field(primary_key=True)
    failures: int = 0
    last_failure_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)


class DropLink(sqlmodel.SQLModel, table=True):
    """An admin's file request: whoever has the token uploads through /drop, nothing more."""

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    token: str = sqlmodel.Field(unique=True)
    label: str
    created_by: str
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)
    expires_at: datetime.datetime | None = None
    max_files: int | None = None
    max_bytes: int | None = sqlmodel.Field(default=None, sa_type=sqlalchemy.BigInteger)
    revoked_at: datetime.datetime | None = None


class AppSecret(sqlmodel.SQLModel, table=True):
    """Secrets every worker must share (the URL-signing key), made on first use."""

    name: str = sqlmodel.Field(primary_key=True)
    value: str


# --- resumable uploads (resumable.py, tus_app.py) -----------------------------------


class ResumableUpload(sqlmodel.SQLModel, table=True):
    """A tus upload from creation until it is stored, refused or abandoned.

    Every worker reads and advances the same row: ``received`` is the offset the
    server has confirmed (its bytes are fsynced in the partial file before the
    row says so), so any worker, or a restarted one, resumes from it.
    """

    #: 128 random bits, the last part of the upload's URL.
    id: str = sqlmodel.Field(primary_key=True)
    uploaded_by: str = sqlmodel.Field(index=True)
    source_page: str
    original_name: str
    #: StoredFile.folder to be: from the client's ``relativePath`` metadata.
    folder: str = sqlmodel.Field(default="", sa_column_kwargs={"server_default": ""})
    #: The files one selection sent together; the policy's count and total apply per batch.
    batch: str = sqlmodel.Field(default="", index=True)
    length: int = sqlmodel.Field(sa_type=sqlalchemy.BigInteger)
    received: int = sqlmodel.Field(default=0, sa_type=sqlalchemy.BigInteger)
    created_at: datetime.datetime = sqlmodel.Field(default_factory=_utcnow)
    #: Pushed back by every PATCH; past it, the upload is abandoned (maintenance removes it).
    expires_at: datetime.datetime = sqlmodel.Field(index=True)
    #: Set with the outcome, once every byte is in and the file went through ingest.
    finished: bool = False
    stored: bool = False
    #: A repeat of stored bytes: nothing new was kept.
    repeat: bool = False
    message: str = ""
    stored_name: str = ""
