"""The folder a file came from, kept as a label: the client's relative path made safe.

A browser sends a file chosen with its folder (``<input webkitdirectory>``) or
dropped inside one under its path relative to what was chosen or dropped:
react-dropzone's ``file.path`` is ``photos/sub/a.png`` from a folder picker,
``/photos/sub/a.png`` from a drop and ``./a.png`` for a lone file; a tus client
sends it as ``relativePath`` metadata. Only the folder part ("photos/sub") is
kept, in the file's record, to show and to search. It never becomes a path
(stored names are random, see ingest.py), so the rules here make a label that
reads right and stays small. Any string gives a folder, "" when nothing usable
is left; nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata

#: Folders kept below what was chosen; deeper ones are left out of the label.
MAX_DEPTH = 32
#: Characters kept of one folder's name (file systems allow 255 bytes).
MAX_SEGMENT_LENGTH = 255
#: Characters of the whole label; the folders past it are left out.
MAX_LENGTH = 1024

#: A Windows drive at the start of a path: "C:" of ``C:\Users\x\a.png`` or ``C:a.png``.
_DRIVE = re.compile(r"^[A-Za-z]:")


def _segment(raw: str) -> str:
    """One folder's name: no control or format characters, NFC, trimmed, capped.

    A name of dots and spaces only ("." or ".." or ". .") is no folder, as for
    Reflex's own upload names (Windows would read it as "." or ".."), so a
    traversal loses its steps up instead of the folders beside them.
    """
    kept = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    name = unicodedata.normalize("NFC", kept).strip()
    if not name.strip(". "):
        return ""
    return name[:MAX_SEGMENT_LENGTH].rstrip()


def folder_of(raw: str | None) -> str:
    """The folder part of the client's file name, as "photos/sub" ("" when there is none).

    Either slash style; leading slashes, a drive letter, empty, "." and ".."
    parts dropped; at most MAX_DEPTH folders and MAX_LENGTH characters, cut at a
    folder's end.
    """
    *parents, _name = (raw or "").replace("\\", "/").split("/")
    kept: list[str] = []
    length = -1
    for part in parents:
        if not kept:
            part = _DRIVE.sub("", part, count=1)
        name = _segment(part)
        if not name:
            continue
        length += 1 + len(name)
        if len(kept) == MAX_DEPTH or length > MAX_LENGTH:
            break
        kept.append(name)
    return "/".join(kept)
