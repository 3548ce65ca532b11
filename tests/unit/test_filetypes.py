"""identify(): a file's type comes from its bytes, never from its name."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests import long_tail, samples
from upload_demo import filetypes
from upload_demo.filetypes import HEAD_SIZE, identify


def _head(data: bytes) -> bytes:
    return data[:HEAD_SIZE]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("PNG", filetypes.PNG),
        ("JPEG", filetypes.JPEG),
        ("GIF", filetypes.GIF),
        ("WEBP", filetypes.WEBP),
    ],
)
def test_real_images(fmt: str, expected: filetypes.FileType) -> None:
    assert identify(_head(samples.image_bytes(fmt, seed=1))) is expected


def test_real_pdf() -> None:
    assert identify(_head(samples.pdf_bytes("identify"))) is filetypes.PDF


def test_pdf_with_junk_before_header() -> None:
    assert identify(b"\r\n  junk\n" + samples.pdf_bytes()) is filetypes.PDF


def test_real_html() -> None:
    assert identify(_head(samples.html_bytes("identify"))) is filetypes.HTML


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf<!doctype html><p>bom</p>",
        b"\n\n   \t<html><body>x</body></html>",
        "<p>caf\u00e9 \u2603</p>".encode(),
    ],
    ids=["bom", "leading-space", "unicode"],
)
def test_html_variants(data: bytes) -> None:
    assert identify(data) is filetypes.HTML


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ("mp4", filetypes.MP4),
        ("mov", filetypes.QUICKTIME),
        ("webm", filetypes.WEBM),
        ("ogg", filetypes.OGG),
    ],
)
def test_real_videos(container: str, expected: filetypes.FileType) -> None:
    data = samples.video_bytes(container, seed=3)
    assert identify(_head(data)) is expected


def test_matroska_that_is_not_webm_is_not_webm() -> None:
    data = samples.video_bytes("matroska", seed=4)
    assert data.startswith(b"\x1a\x45\xdf\xa3")
    found = identify(_head(data))
    assert found is not filetypes.WEBM
    assert (found.label, found.mime, found.extension) == ("Matroska", "video/x-matroska", ".mkv")


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"M4A "])
def test_iso_brands_that_are_not_video_are_not_mp4(brand: bytes) -> None:
    head = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    found = identify(head)
    assert found not in filetypes.KNOWN_TYPES
    assert not found.mime.startswith("video/")


@pytest.mark.parametrize("brand", [b"isom", b"mp42", b"avc1", b"M4V "])
def test_video_iso_brands_are_mp4(brand: bytes) -> None:
    head = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00isomiso2" + b"\x00" * 64
    assert identify(head) is filetypes.MP4


def test_quicktime_without_ftyp() -> None:
    assert identify(b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat" + b"\x00" * 32) is (
        filetypes.QUICKTIME
    )


def test_html_with_multibyte_char_cut_at_head_boundary_is_still_html() -> None:
    prefix = b"<!doctype html><p>"
    euro = "\u20ac".encode()  # three bytes
    filler = b"a" * (HEAD_SIZE - len(prefix) - 1)
    data = prefix + filler + euro + b"</p>" * 10
    head = _head(data)
    assert len(head) == HEAD_SIZE
    # The head really ends inside the character.
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")
    assert identify(head) is filetypes.HTML


@pytest.mark.parametrize(
    "data", [b"<html>\x00\x01\x02binary", b"<html>\xff\xfe\xfd</html>"], ids=["nul", "not-utf8"]
)
def test_a_signature_makes_html_whatever_follows(data: bytes) -> None:
    # As a browser sniffs: only the opening bytes count, not whether the rest decodes.
    assert identify(data) is filetypes.HTML


def test_text_that_is_not_markup() -> None:
    assert identify(b"just some plain text, no markup") is filetypes.PLAIN_TEXT


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"MZ\x90\x00\x03", b"PK\x03\x04zipfile", b"\x7fELF\x02\x01\x01"],
    ids=["empty", "nul", "exe-stub", "zip-stub", "elf-stub"],
)
def test_unknown_bytes(data: bytes) -> None:
    assert identify(data) is filetypes.UNKNOWN


def test_name_plays_no_part() -> None:
    # identify() only takes bytes: an HTML document is HTML whatever it is called.
    assert identify(samples.html_bytes("photo.png")) is filetypes.HTML


def test_every_known_type_has_an_extension_and_mime() -> None:
    for file_type in filetypes.KNOWN_TYPES:
        assert file_type.extension.startswith(".")
        assert file_type.extension == file_type.extensions[0]
        assert "/" in file_type.mime


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"The freedom of the press.\n" * 4, filetypes.PLAIN_TEXT),
        (b"Let freedom ring\n", filetypes.PLAIN_TEXT),
        (b"ski skip a line\n", filetypes.PLAIN_TEXT),
        (b"<h1>free shipping</h1>", filetypes.HTML),
        (b"<td>free</td>", filetypes.PLAIN_TEXT),
        (b"<p> wide screen</p>", filetypes.HTML),
    ],
    ids=["text-free", "text-free-2", "text-skip", "html-free", "html-td", "html-wide"],
)
def test_text_with_atom_names_at_offset_4_is_not_quicktime(
    data: bytes, expected: filetypes.FileType
) -> None:
    # Bytes 4-8 spelling "free", "skip", "wide" ... are not enough: a QuickTime atom
    # starts with a big-endian size, which in text is a nonsense value.
    assert identify(data) is expected


@pytest.mark.parametrize(
    ("make", "label", "kind", "mime", "extension"),
    [
        (long_tail.zip_bytes, "ZIP archive", "archive", "application/zip", ".zip"),
        (
            lambda: long_tail.tar_bytes(gzip=True),
            "gzip archive",
            "archive",
            "application/gzip",
            ".gz",
        ),
        (long_tail.tar_bytes, "tar archive", "archive", "application/x-tar", ".tar"),
        (
            long_tail.iso_bytes,
            "ISO 9660 disk image",
            "archive",
            "application/x-iso9660-image",
            ".iso",
        ),
        (long_tail.mkv_bytes, "Matroska", "video", "video/x-matroska", ".mkv"),
        (long_tail.mp3_bytes, "MP3", "audio", "audio/mpeg", ".mp3"),
        (long_tail.csv_bytes, "CSV", "document", "text/csv", ".csv"),
        (
            long_tail.random_bytes,
            "unrecognised content",
            "other",
            "application/octet-stream",
            ".bin",
        ),
    ],
    ids=["zip", "tar.gz", "tar", "iso", "mkv", "mp3", "csv", "random"],
)
def test_the_long_tail_is_named_by_libmagic(
    make: Callable[[], bytes], label: str, kind: str, mime: str, extension: str
) -> None:
    found = identify(_head(make()))
    assert (found.label, found.kind, found.mime, found.extension) == (label, kind, mime, extension)
    assert found.kind in filetypes.KINDS


def test_an_iso_signature_past_the_first_32_kib_is_within_the_head() -> None:
    data = long_tail.iso_bytes()
    assert data.index(b"CD001") > 32 * 1024
    assert identify(_head(data)).mime == "application/x-iso9660-image"


def test_javascript_known_to_libmagic_is_javascript() -> None:
    assert identify(long_tail.javascript_bytes()) is filetypes.JAVASCRIPT


def test_a_type_libmagic_names_outside_the_table_keeps_its_mime_as_bin() -> None:
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
    found = identify(elf)
    assert found.mime not in ("application/octet-stream", "")
    assert (found.kind, found.extension) == ("other", ".bin")


def test_stored_extensions_are_never_ones_a_browser_runs() -> None:
    runs = {".html", ".htm", ".svg", ".xml", ".xhtml", ".js", ".mjs"}
    for file_type in filetypes.ACTIVE_CONTENT:
        assert file_type.extension in runs
    for make in (long_tail.zip_bytes, long_tail.csv_bytes, long_tail.random_bytes):
        assert identify(make()).extension not in runs
