"""One UploadPolicy per page: the single source of truth for what a page accepts.

The same object produces the ``rx.upload`` props (so the browser filters),
the limits text the page shows, and the checks the server runs on every
request (because a client can skip the browser entirely).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from upload_demo import filetypes
from upload_demo.filetypes import FileType
from upload_demo.units import human_bytes, plural


class Rejected(Exception):
    """A file the policy refuses; the message is shown to the user as-is."""


def _join_words(words: list[str], last: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


@dataclasses.dataclass(frozen=True)
class UploadPolicy:
    """What one upload page accepts, per file and per upload.

    A page lists the ``types`` it takes, or takes any type but those it
    ``refuses`` (react-dropzone cannot say "all but": the browser then lets
    every file through and the server refuses those by their content).
    """

    page: str
    max_files: int
    max_file_size: int
    max_total_size: int
    types: tuple[FileType, ...] = ()
    refuses: tuple[FileType, ...] = ()
    #: Why ``refuses`` are refused, for the message a refused file gets.
    refused_because: str = ""

    def __post_init__(self) -> None:
        """A page says what it takes or what it refuses, never both or neither."""
        if bool(self.types) == bool(self.refuses):
            raise ValueError("a policy lists the types it takes, or the ones it refuses")

    @property
    def any_type(self) -> bool:
        """Whether the page takes any type but a few (``refuses``)."""
        return not self.types

    def accepts(self, file_type: FileType) -> bool:
        """Whether a file of this type may be stored from this page."""
        if self.any_type:
            return file_type not in self.refuses
        return file_type in self.types

    @property
    def multiple(self) -> bool:
        """A single-file page opens a single-file picker."""
        return self.max_files > 1

    @property
    def accept(self) -> dict[str, list[str]]:
        """The ``accept`` map react-dropzone wants: MIME type to extensions (empty: any)."""
        return {t.mime: list(t.extensions) for t in self.types}

    def dropzone_props(self) -> dict[str, Any]:
        """Props for ``rx.upload`` so the browser applies the same limits."""
        props: dict[str, Any] = {"accept": self.accept} if self.accept else {}
        return props | {
            "max_files": self.max_files,
            "max_size": self.max_file_size,
            "min_size": 1,
            "multiple": self.multiple,
        }

    def selection_rules(self) -> dict[str, Any]:
        """The same limits for what adds to a selection outside react-dropzone.

        A paste, a folder or the camera adds files without a drop, and a page that
        takes several files adds each drop to what is selected already: the count
        and the total then apply to the whole selection (file_selection.jsx).
        """
        return {
            "accept": self.accept,
            "maxFiles": self.max_files,
            "maxSize": self.max_file_size,
            "minSize": 1,
            "maxTotal": self.max_total_size,
            "multiple": self.multiple,
        }

    @property
    def type_names(self) -> str:
        """'PNG, JPEG, GIF or WebP', or 'any file except HTML, SVG, XML or JavaScript'."""
        if self.any_type:
            return f"any file except {_join_words([t.label for t in self.refuses])}"
        return _join_words([t.label for t in self.types])

    @property
    def limits_text(self) -> str:
        """The limits in words, as the dropzone shows them."""
        count = "1 file" if self.max_files == 1 else f"up to {self.max_files} files"
        types = self.type_names[:1].upper() + self.type_names[1:]
        parts = [types, count, f"{human_bytes(self.max_file_size)} each"]
        if self.max_files > 1:
            parts.append(f"{human_bytes(self.max_total_size)} in all")
        return " · ".join(parts)

    # --- server-side checks -------------------------------------------------

    def check_position(self, index: int) -> None:
        """Refuse files past the page's count limit (``index`` counts from 0)."""
        if index >= self.max_files:
            limit = plural(self.max_files, "file")
            raise Rejected(f"too many files: this page takes at most {limit} per upload")

    def check_declared_size(self, size: int | None, total_so_far: int) -> None:
        """Refuse early on a size the request itself announces."""
        if size is None:
            return
        if size == 0:
            raise Rejected("the file is empty")
        self.check_size(size, total_so_far)

    def check_size(self, size: int, total_so_far: int) -> None:
        """Refuse a file over the per-file limit or one that breaks the upload's total."""
        if size > self.max_file_size:
            raise self.too_large(size)
        if total_so_far + size > self.max_total_size:
            raise self.over_total()

    def too_large(self, size: int | None = None) -> Rejected:
        """The refusal for a file over the per-file limit."""
        what = f"too large ({human_bytes(size)})" if size is not None else "too large"
        return Rejected(f"{what}: the limit is {human_bytes(self.max_file_size)} per file")

    def over_total(self) -> Rejected:
        """The refusal for a file that would take the upload past its total."""
        return Rejected(f"over the upload's total limit of {human_bytes(self.max_total_size)}")

    def check_type(self, head: bytes) -> FileType:
        """The file's real type, judged from its bytes; refused unless the page accepts it."""
        if not head:
            raise Rejected("the file is empty")
        found = filetypes.identify(head)
        if self.accepts(found):
            return found
        if self.any_type:
            why = f" ({self.refused_because})" if self.refused_because else ""
            raise Rejected(f"the content is {found.label}: this page takes {self.type_names}{why}")
        expected = f"expected {self.type_names}"
        if found is filetypes.UNKNOWN:
            raise Rejected(f"unrecognised content, {expected}")
        raise Rejected(f"the content is {found.label}, {expected}")

    def browser_reason(self, code: str) -> str:
        """Words for a browser's rejection code (react-dropzone's or the selection's)."""
        reasons = {
            "file-invalid-type": f"not an accepted type ({self.type_names})",
            "file-too-large": f"larger than {human_bytes(self.max_file_size)}",
            "file-too-small": "the file is empty",
            "too-many-files": (
                "too many files: only one file at a time"
                if self.max_files == 1
                else f"too many files: at most {self.max_files} at a time"
            ),
            "total-too-large": (
                f"over the selection's total limit of {human_bytes(self.max_total_size)}"
            ),
            "already-selected": "already in the selection",
        }
        return reasons.get(code, code.replace("-", " "))


MB = 1_000_000

IMAGES = UploadPolicy(
    page="images",
    types=(filetypes.PNG, filetypes.JPEG, filetypes.GIF, filetypes.WEBP),
    max_files=20,
    max_file_size=10 * MB,
    max_total_size=100 * MB,
)

VIDEO = UploadPolicy(
    page="video",
    types=(filetypes.MP4, filetypes.WEBM, filetypes.QUICKTIME, filetypes.OGG),
    max_files=1,
    max_file_size=200 * MB,
    max_total_size=200 * MB,
)

RESTRICTED = UploadPolicy(
    page="restricted",
    types=(
        filetypes.PDF,
        filetypes.PNG,
        filetypes.JPEG,
        filetypes.GIF,
        filetypes.WEBP,
        filetypes.HTML,
    ),
    max_files=5,
    max_file_size=5 * MB,
    max_total_size=25 * MB,
)

ONE_STEP = UploadPolicy(
    page="one-step",
    types=(filetypes.PNG, filetypes.JPEG, filetypes.GIF, filetypes.WEBP, filetypes.PDF),
    max_files=10,
    max_file_size=10 * MB,
    max_total_size=50 * MB,
)

GB = 1000 * MB

#: Streamed in chunks, so a file's size costs disk, not memory: 8 GB covers a long
#: camera video or a disk image, three of them at once. A drop portal takes what
#: people move (archives, disk images, audio, unknown binaries) but never what a
#: browser would run from this site; images and videos of our own types are still
#: decoded, so they get their thumbnail and poster (a corrupt one is refused; a picture
#: over the pixel budget is kept without a thumbnail, never decoded).
LARGE = UploadPolicy(
    page="large",
    refuses=filetypes.ACTIVE_CONTENT,
    refused_because="active content, which would run as part of this site",
    max_files=3,
    max_file_size=8 * GB,
    max_total_size=16 * GB,
)

#: A drop link's page (/drop/<token>): what /large takes, from someone without an account.
#: The link's own limits narrow it at each upload (pages/drop.py: what the link has left).
DROP = dataclasses.replace(LARGE, page="drop", max_files=10)

#: Sent with tus (tus_app.py): what /large takes, each file resumable on its own, so a
#: selection may hold more of them; the count and total apply per selection (its batch).
RESUMABLE = dataclasses.replace(LARGE, page="resumable", max_files=5, max_total_size=20 * GB)

BY_PAGE: dict[str, UploadPolicy] = {
    p.page: p for p in (IMAGES, VIDEO, RESTRICTED, ONE_STEP, LARGE, DROP, RESUMABLE)
}
