"""Places in the library's orders: the sorts, a cursor between two rows, which page.

Pure values, no database: the State keeps them (as URL-safe tokens) between
page views, and upload_demo/library.py turns them into one range of an index.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from upload_demo.models import StoredFile

#: The longest name key a cursor may carry (a URL can carry anything).
_MAX_KEY = 2000

SortKey = datetime.datetime | int | str


@dataclasses.dataclass(frozen=True)
class Sort:
    """One of the library's orders: a column of StoredFile, then id, the same way."""

    column: Literal["created_at", "size", "name_key"]
    descending: bool


#: Sort keys the library offers. Names sort and match by their folded form
#: (models.fold_name, an indexed column), so every database orders "Äpfel" and
#: "apfel" alike.
SORTS: dict[str, Sort] = {
    "newest": Sort("created_at", descending=True),
    "oldest": Sort("created_at", descending=False),
    "largest": Sort("size", descending=True),
    "smallest": Sort("size", descending=False),
    "name": Sort("name_key", descending=False),
    "name-desc": Sort("name_key", descending=True),
}

DEFAULT_SORT = "newest"


@dataclasses.dataclass(frozen=True)
class Cursor:
    """A place in one sort: just past the row with this sort key and id."""

    key: SortKey
    id: int

    @classmethod
    def of(cls, row: StoredFile, sort: Sort) -> Cursor:
        """The cursor at ``row`` in ``sort``."""
        assert row.id is not None, "a stored row has an id"
        return cls(getattr(row, sort.column), row.id)

    def token(self) -> str:
        """``id:key``, for a URL: ``Cursor.parse`` reads it back."""
        key = self.key.isoformat() if isinstance(self.key, datetime.datetime) else str(self.key)
        return f"{self.id}:{key}"

    @classmethod
    def parse(cls, token: str, sort: Sort) -> Cursor | None:
        """The cursor a ``token`` of ``sort`` names; None for anything malformed."""
        id_text, colon, key_text = token.partition(":")
        if not (colon and id_text.isascii() and id_text.isdigit()) or len(key_text) > _MAX_KEY:
            return None
        key: SortKey
        try:
            if sort.column == "created_at":
                key = datetime.datetime.fromisoformat(key_text)
                if key.tzinfo is None:
                    key = key.replace(tzinfo=datetime.UTC)
            elif sort.column == "size":
                key = int(key_text)
            else:
                key = key_text
        except ValueError:
            return None
        return cls(key, int(id_text))


@dataclasses.dataclass(frozen=True)
class At:
    """Which page: the first, the last, the one after or before a cursor, or number n."""

    where: Literal["first", "after", "before", "last", "number"] = "first"
    cursor: Cursor | None = None
    number: int = 1


FIRST = At()
LAST = At("last")


def after(cursor: Cursor) -> At:
    """The page after ``cursor``."""
    return At("after", cursor)


def before(cursor: Cursor) -> At:
    """The page before ``cursor``."""
    return At("before", cursor)


def page_number(number: int) -> At:
    """Page ``number`` counted from the first (OFFSET: for old links only)."""
    return At("number", number=number)
