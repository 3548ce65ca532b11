"""The folder label made from a client's file name: what browsers send, and what attackers do."""

from __future__ import annotations

import unicodedata

import pytest

from upload_demo import folders
from upload_demo.folders import MAX_DEPTH, MAX_LENGTH, MAX_SEGMENT_LENGTH, folder_of

#: What react-dropzone (file-selector 2.1.2) sends as ``file.path``, and other honest names.
HONEST = [
    ("a.png", ""),
    ("./a.png", ""),
    ("/photos/a.png", "photos"),
    ("/photos/sub/a.png", "photos/sub"),
    ("photos/sub/a.png", "photos/sub"),
    ("photos\\sub\\a.png", "photos/sub"),
    ("./photos/./sub/a.png", "photos/sub"),
    ("photos//sub///a.png", "photos/sub"),
    ("photos/", "photos"),
    ("", ""),
    (None, ""),
    ("Ferien 2024/Strand am Meer/a.jpg", "Ferien 2024/Strand am Meer"),
    ("東京/写真/a.jpg", "東京/写真"),
    ("photos.v2/sub./a.png", "photos.v2/sub."),
]

#: Names no browser sends: each gives a clean folder, never an error.
HOSTILE = [
    ("../../etc/passwd", "etc"),
    ("..\\..\\windows\\system32\\x.dll", "windows/system32"),
    ("a/../../b/c.png", "a/b"),
    ("/abs/x", "abs"),
    ("//server/share/x", "server/share"),
    ("\\\\server\\share\\x", "server/share"),
    ("C:\\Users\\x\\a.png", "Users/x"),
    ("C:/Windows/x", "Windows"),
    ("c:relative\\a.png", "relative"),
    ("/C:/x/a.png", "x"),
    ("..", ""),
    ("../x", ""),
    ("./../.", ""),
    (".../.../x", ""),
    (". ./ .. /x", ""),
    ("../\x00/x", ""),
    ("ph\x00otos/a.png", "photos"),
    ("x\x00../../y", "x.."),
    ("\x1b[31mred\x1b[0m/a.png", "[31mred[0m"),
    ("tab\there/new\nline/a.png", "tabhere/newline"),
    # RTL override, zero-width space and a BOM are format characters: dropped.
    ("evil\u202egnp.exe/a.png", "evilgnp.exe"),
    ("\u200b/\ufeff/a.png", ""),
    # A lone surrogate (it cannot be stored as UTF-8) is dropped too.
    ("bad\udc80name/a.png", "badname"),
    ("  spaced  / padded /a.png", "spaced/padded"),
]


@pytest.mark.parametrize(("raw", "folder"), HONEST, ids=[repr(r) for r, _ in HONEST])
def test_what_browsers_send(raw: str | None, folder: str) -> None:
    assert folder_of(raw) == folder


@pytest.mark.parametrize(("raw", "folder"), HOSTILE, ids=[repr(r) for r, _ in HOSTILE])
def test_hostile_names_give_a_clean_folder(raw: str, folder: str) -> None:
    assert folder_of(raw) == folder


def test_a_folder_name_is_cut_at_its_limit() -> None:
    long = "n" * 300
    assert folder_of(f"{long}/{long}/a.png") == "/".join(["n" * MAX_SEGMENT_LENGTH] * 2)
    # Cut where it leaves a trailing space: the space goes too.
    assert folder_of("a" * (MAX_SEGMENT_LENGTH - 1) + " bcd/x") == "a" * (MAX_SEGMENT_LENGTH - 1)


def test_deep_folders_keep_the_top_ones() -> None:
    deep = "/".join(f"d{i}" for i in range(100)) + "/a.png"
    assert folder_of(deep) == "/".join(f"d{i}" for i in range(MAX_DEPTH))
    assert folder_of("../" * 100 + "deep/a.png") == "deep"


def test_a_long_path_stops_at_a_folders_end() -> None:
    parts = ["p" * 200 for _ in range(20)]
    folder = folder_of("/".join(parts) + "/a.png")
    assert len(folder) <= MAX_LENGTH
    assert folder == "/".join(parts[: (MAX_LENGTH + 1) // 201])


def test_unicode_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Café/Äpfel/a.png")
    assert decomposed != "Café/Äpfel/a.png"
    assert folder_of(decomposed) == "Café/Äpfel"


def test_a_folder_made_again_is_the_same() -> None:
    """What Reflex or a second pass hands back as a name keeps its folder unchanged."""
    for raw, _ in [*HONEST, *HOSTILE]:
        once = folder_of(raw)
        assert folder_of(f"{once}/a.png") == once, repr(raw)


def test_every_folder_is_safe_to_show() -> None:
    """Whatever comes in: relative, no dot parts, no control or format character, bounded."""
    samples = [raw for raw, _ in [*HONEST, *HOSTILE] if raw is not None]
    samples += ["".join(chr(c) for c in range(0, 0x80)) + "/a", "/".join(["\u0085\u2028"] * 50)]
    for raw in samples:
        folder = folder_of(raw)
        assert len(folder) <= MAX_LENGTH
        assert not folder.startswith("/") and not folder.endswith("/")
        parts = folder.split("/") if folder else []
        assert len(parts) <= folders.MAX_DEPTH
        for part in parts:
            assert part.strip(". ") and part == part.strip()
            assert len(part) <= MAX_SEGMENT_LENGTH
            assert "\\" not in part
            assert not any(unicodedata.category(ch)[0] == "C" for ch in part), repr(part)
