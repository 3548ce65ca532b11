"""The file types the app knows, and how to recognise each one from its bytes.

A client chooses the file name and the Content-Type header, so neither says
what a file is. The types a page may list carry our own ``sniff`` test on the
first bytes (markup in markup.py); the long tail a drop portal receives
(archives, disk images, audio, documents) is named by libmagic, the file(1)
database Debian keeps, through python-magic. The extension a file is stored
under comes from the type that matched; for the long tail, never one a
browser would run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import magic

from upload_demo import markup

#: How many leading bytes identify a file: 64 KiB reaches an ISO 9660 volume descriptor.
HEAD_SIZE = 64 * 1024

_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."


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


@dataclasses.dataclass(frozen=True)
class FileType:
    """One kind of file: what the browser is told and what the server checks.

    ``sniff`` is our own test on the head; the long tail has none, as libmagic
    names those types (see ``identify``).
    """

    label: str
    kind: str
    mime: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )

    @property
    def extension(self) -> str:
        """The extension a stored file of this type gets, whatever it was called."""
        return self.extensions[0]


#: What the library files every stored file under.
KINDS: tuple[str, ...] = ("image", "video", "audio", "document", "archive", "other")

PNG = FileType("PNG", "image", "image/png", (".png",), _is_png)
JPEG = FileType("JPEG", "image", "image/jpeg", (".jpg", ".jpeg"), _is_jpeg)
GIF = FileType("GIF", "image", "image/gif", (".gif",), _is_gif)
WEBP = FileType("WebP", "image", "image/webp", (".webp",), _is_webp)
PDF = FileType("PDF", "document", "application/pdf", (".pdf",), _is_pdf)
HTML = FileType("HTML", "document", "text/html", (".html", ".htm"), markup.is_html)
SVG = FileType("SVG", "image", "image/svg+xml", (".svg",), markup.is_svg)
XML = FileType("XML", "document", "text/xml", (".xml",), markup.is_xml)
MP4 = FileType("MP4", "video", "video/mp4", (".mp4", ".m4v"), _is_mp4)
WEBM = FileType("WebM", "video", "video/webm", (".webm",), _is_webm)
QUICKTIME = FileType("QuickTime", "video", "video/quicktime", (".mov", ".qt"), _is_quicktime)
OGG = FileType("Ogg", "video", "video/ogg", (".ogv", ".ogg"), _is_ogg)
#: Only libmagic names it (no signature says JavaScript). Script text it takes for plain
#: text is kept as .txt, served as text/plain with nosniff: no browser runs that.
JAVASCRIPT = FileType("JavaScript", "document", "text/javascript", (".js", ".mjs"))
PLAIN_TEXT = FileType("plain text", "document", "text/plain", (".txt",))
#: Bytes of no type we or libmagic know.
UNKNOWN = FileType("unrecognised content", "other", "application/octet-stream", (".bin",))

#: Types we sniff ourselves, in the order they are tried: markup first, as browsers
#: do (SVG before HTML, since ``<!--`` may open either), then binary signatures.
KNOWN_TYPES: tuple[FileType, ...] = (
    SVG,
    HTML,
    XML,
    PNG,
    JPEG,
    GIF,
    WEBP,
    PDF,
    QUICKTIME,
    MP4,
    WEBM,
    OGG,
)

MP4_AUDIO = FileType("MP4 audio", "audio", "audio/mp4", (".m4a",))

#: What a file of our video types is when it turns out to hold only sound.
AUDIO_IN: dict[FileType, FileType] = {
    MP4: MP4_AUDIO,
    QUICKTIME: MP4_AUDIO,
    WEBM: FileType("WebM audio", "audio", "audio/webm", (".weba",)),
    OGG: FileType("Ogg audio", "audio", "audio/ogg", (".oga", ".ogg", ".opus")),
}

#: What a browser would run as part of this site if it were served from it.
ACTIVE_CONTENT: tuple[FileType, ...] = (HTML, SVG, XML, JAVASCRIPT)

#: The long tail, by libmagic's MIME type, each stored under an extension no browser
#: runs. Our sniffed types are not here: where our test said no, libmagic's yes does
#: not make a file PNG or MP4 (it is UNKNOWN). Markup libmagic sees that ours did not
#: is active content all the same, except "HTML" a browser would not sniff as HTML:
#: plain text.
_BY_MIME: dict[str, FileType] = {
    t.mime: t
    for t in (
        FileType("ZIP archive", "archive", "application/zip", (".zip",)),
        FileType("gzip archive", "archive", "application/gzip", (".gz", ".tgz")),
        FileType("tar archive", "archive", "application/x-tar", (".tar",)),
        FileType("bzip2 archive", "archive", "application/x-bzip2", (".bz2",)),
        FileType("xz archive", "archive", "application/x-xz", (".xz",)),
        FileType("Zstandard archive", "archive", "application/zstd", (".zst",)),
        FileType("7-Zip archive", "archive", "application/x-7z-compressed", (".7z",)),
        FileType("RAR archive", "archive", "application/x-rar", (".rar",)),
        FileType("ISO 9660 disk image", "archive", "application/x-iso9660-image", (".iso",)),
        FileType("Matroska", "video", "video/x-matroska", (".mkv",)),
        FileType("AVI", "video", "video/x-msvideo", (".avi",)),
        FileType("MPEG video", "video", "video/mpeg", (".mpg",)),
        FileType("MP3", "audio", "audio/mpeg", (".mp3",)),
        FileType("WAV", "audio", "audio/x-wav", (".wav",)),
        FileType("FLAC", "audio", "audio/flac", (".flac",)),
        FileType("TIFF", "image", "image/tiff", (".tif", ".tiff")),
        FileType("BMP", "image", "image/bmp", (".bmp",)),
        FileType("HEIC", "image", "image/heic", (".heic",)),
        FileType("AVIF", "image", "image/avif", (".avif",)),
        FileType("CSV", "document", "text/csv", (".csv",)),
        FileType("JSON", "document", "application/json", (".json",)),
        FileType("RTF document", "document", "text/rtf", (".rtf",)),
        FileType("Word document", "document", "application/msword", (".doc",)),
        FileType("Word document", "document", f"{_OOXML}wordprocessingml.document", (".docx",)),
        FileType("Excel workbook", "document", f"{_OOXML}spreadsheetml.sheet", (".xlsx",)),
        FileType("PowerPoint", "document", f"{_OOXML}presentationml.presentation", (".pptx",)),
        FileType("OpenDocument text", "document", f"{_ODF}text", (".odt",)),
        FileType("EPUB", "document", "application/epub+zip", (".epub",)),
        PLAIN_TEXT,
        UNKNOWN,
    )
} | {
    "image/svg+xml": SVG,
    "text/xml": XML,
    "application/xml": XML,
    "application/xhtml+xml": XML,
    "text/javascript": JAVASCRIPT,
    "application/javascript": JAVASCRIPT,
    "application/x-javascript": JAVASCRIPT,
    "text/html": PLAIN_TEXT,
    "audio/x-m4a": MP4_AUDIO,
}

#: Our own types' MIME types: where our signature said no, libmagic's yes is not taken.
_SNIFFED_MIMES = frozenset(t.mime for t in KNOWN_TYPES) - frozenset(_BY_MIME)

_KIND_BY_TOP = {"image": "image", "video": "video", "audio": "audio", "text": "document"}

_libmagic = magic.Magic(mime=True)


def _named_by_libmagic(head: bytes) -> FileType:
    """Libmagic's type for the head; one outside our table keeps its MIME, stored as .bin.

    An unlisted text type (a shell script, C source) is stored as .txt, so
    Reflex serves it as plain text.
    """
    try:
        mime = _libmagic.from_buffer(head)
    except magic.MagicException:
        return UNKNOWN
    if mime in _BY_MIME:
        return _BY_MIME[mime]
    if mime in _SNIFFED_MIMES:
        return UNKNOWN
    top = mime.partition("/")[0]
    extension = ".txt" if top == "text" else ".bin"
    return FileType(mime, _KIND_BY_TOP.get(top, "other"), mime, (extension,))


def identify(head: bytes) -> FileType:
    """The file's type from its head: our sniffers first, then libmagic, else UNKNOWN.

    Only the head is judged, never the whole file: the type, and so the
    stored name, must be known before the bytes are written, and active
    content refused at its first bytes. HEAD_SIZE reaches the signatures of
    what people move that sit furthest in (ISO 9660 at 32 769, tar at 257).
    """
    if not head:
        return UNKNOWN
    found = next((t for t in KNOWN_TYPES if t.sniff is not None and t.sniff(head)), None)
    return found if found is not None else _named_by_libmagic(head)
