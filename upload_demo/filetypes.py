"""The file types the app knows, and how to recognise each one from its bytes.

A client chooses the file name and the Content-Type header, so neither says
what a file is. Each type here carries a ``sniff`` test on the first bytes of
the file; the extension we store under comes from the type that matched.
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Callable

#: How many leading bytes the sniffers look at.
HEAD_SIZE = 8192


def _is_png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_gif(head: bytes) -> bool:
    return head[:6] in (b"GIF87a", b"GIF89a")


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_pdf(head: bytes) -> bool:
    # The spec allows junk before the header; real readers search the first KiB.
    return b"%PDF-" in head[:1024]


def _ftyp_brand(head: bytes) -> bytes | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return head[8:12]
    return None


#: Atoms an old QuickTime file (no ``ftyp``) may start with: padding, then the movie.
_QUICKTIME_PADDING = (b"free", b"skip", b"wide", b"pnot")
_QUICKTIME_MOVIE = (b"moov", b"mdat")


def _looks_like_text(data: bytes) -> bool:
    return all(0x20 <= byte < 0x7F for byte in data)


def _is_quicktime(head: bytes) -> bool:
    """QuickTime: an ``ftyp`` box with the ``qt`` brand, or a chain of valid atoms.

    Without ``ftyp``, the atom sizes must add up to a movie atom inside the
    head, so ordinary text ("The freedom...") is not taken for a video.
    """
    brand = _ftyp_brand(head)
    if brand is not None:
        return brand == b"qt  "
    offset = 0
    while offset + 8 <= len(head):
        size = int.from_bytes(head[offset : offset + 4], "big")
        kind = head[offset + 4 : offset + 8]
        if kind in _QUICKTIME_MOVIE:
            valid_size = size in (0, 1) or size >= 8
            return valid_size and not _looks_like_text(head[offset : offset + 4])
        if kind not in _QUICKTIME_PADDING or size < 8:
            return False
        offset += size
    return False


#: ISO base media brands that are not video containers (still images, audio).
_NON_VIDEO_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"M4A ")


def _is_mp4(head: bytes) -> bool:
    brand = _ftyp_brand(head)
    return brand is not None and brand != b"qt  " and brand not in _NON_VIDEO_BRANDS


def _is_webm(head: bytes) -> bool:
    # Matroska and WebM share the EBML header; the DocType element names which.
    return head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:64]


def _is_ogg(head: bytes) -> bool:
    return head.startswith(b"OggS")


def _is_html(head: bytes) -> bool:
    """HTML is text: it must decode as UTF-8 and open with markup.

    Only the head is decoded, incrementally, so a multi-byte character cut at
    the end of the head is not mistaken for bad encoding.
    """
    if b"\x00" in head:
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return text.lstrip("\ufeff \t\r\n").startswith("<")


@dataclasses.dataclass(frozen=True)
class FileType:
    """One accepted kind of file: what the browser is told and what the server checks."""

    label: str
    kind: str
    mime: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool] = dataclasses.field(compare=False, repr=False)

    @property
    def extension(self) -> str:
        """The extension a stored file of this type gets, whatever it was called."""
        return self.extensions[0]


PNG = FileType("PNG", "image", "image/png", (".png",), _is_png)
JPEG = FileType("JPEG", "image", "image/jpeg", (".jpg", ".jpeg"), _is_jpeg)
GIF = FileType("GIF", "image", "image/gif", (".gif",), _is_gif)
WEBP = FileType("WebP", "image", "image/webp", (".webp",), _is_webp)
PDF = FileType("PDF", "document", "application/pdf", (".pdf",), _is_pdf)
HTML = FileType("HTML", "document", "text/html", (".html", ".htm"), _is_html)
MP4 = FileType("MP4", "video", "video/mp4", (".mp4", ".m4v"), _is_mp4)
WEBM = FileType("WebM", "video", "video/webm", (".webm",), _is_webm)
QUICKTIME = FileType("QuickTime", "video", "video/quicktime", (".mov", ".qt"), _is_quicktime)
OGG = FileType("Ogg", "video", "video/ogg", (".ogv", ".ogg"), _is_ogg)

#: Every type the app can recognise, most specific first (HTML, the loosest test, last).
KNOWN_TYPES: tuple[FileType, ...] = (
    PNG,
    JPEG,
    GIF,
    WEBP,
    PDF,
    QUICKTIME,
    MP4,
    WEBM,
    OGG,
    HTML,
)


def identify(head: bytes) -> FileType | None:
    """The known type whose signature the head matches, if any."""
    return next((t for t in KNOWN_TYPES if t.sniff(head)), None)
