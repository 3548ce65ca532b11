"""How a stored file's details read on the pages."""

from __future__ import annotations

import datetime
from typing import TypedDict, Unpack

import pytest

from upload_demo.file_view import from_record
from upload_demo.models import StoredFile


class Media(TypedDict, total=False):
    """The optional columns a test may set (media, folder)."""

    width: int
    height: int
    duration: float
    codec: str
    preview_name: str
    folder: str


def _record(**media: Unpack[Media]) -> StoredFile:
    return StoredFile(
        id=7,
        original_name="clip.mp4",
        stored_name="0123456789abcdef0123456789abcdef.mp4",
        kind="video",
        content_type="video/mp4",
        size=2_500_000,
        sha256="ab" * 32,
        source_page="video",
        created_at=datetime.datetime(2026, 11, 25, 9, 30, tzinfo=datetime.UTC),
        **media,
    )


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ({}, ""),
        ({"width": 640, "height": 480}, "640 × 480"),
        (
            {"width": 1920, "height": 1080, "duration": 2.46, "codec": "h264"},
            "1920 × 1080 · 2.5 s · h264",
        ),
        (
            {"width": 1280, "height": 720, "duration": 3725.0, "codec": "vp9"},
            "1280 × 720 · 1 h 2 min · vp9",
        ),
        ({"duration": 90.0}, "1 min 30 s"),
    ],
)
def test_dimensions_duration_and_codec(media: Media, expected: str) -> None:
    assert from_record(_record(**media)).dimensions_text == expected


def test_display_strings() -> None:
    view = from_record(_record(preview_name="0123456789abcdef0123456789abcdef.poster.jpg"))
    assert view.size_text == "2.5 MB"
    assert view.uploaded_text == "2026-11-25 09:30 UTC"
    assert view.sha_short == "abababababab"
    assert view.preview_name.endswith(".poster.jpg")
    assert from_record(_record()).preview_name == ""


def test_the_folder_comes_along_for_the_page_to_show_before_the_name() -> None:
    view = from_record(_record(folder="Urlaub/Straße"))
    assert (view.folder, view.name) == ("Urlaub/Straße", "clip.mp4")
    assert from_record(_record()).folder == ""
