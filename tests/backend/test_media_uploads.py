"""Media and duplicates through the real endpoint, from a hostile client.

Files that pass the type check by their first bytes but do not decode, claim
too many pixels or hold no video are refused with their own message and leave
nothing behind; good media are measured and get a preview the app serves; the
same bytes sent again are reported as already stored, never stored twice.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests import samples
from tests.backend.uploads import assert_refused, assert_stored, row_count, upload
from tests.db import rows_named, tag
from upload_demo.pages.images import ImagesState
from upload_demo.pages.restricted import RestrictedState
from upload_demo.pages.video import VideoState


def listing(directory: Path) -> set[str]:
    """Everything in the upload dir: files, previews and temp files."""
    return set(os.listdir(directory))


def fetch(backend_url: str, name: str) -> httpx.Response:
    response = httpx.get(f"{backend_url}/_upload/{name}", timeout=30)
    assert response.status_code == 200, (name, response.status_code)
    return response


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _cut_before_index(mp4: bytes) -> bytes:
    """An MP4 cut off before its index (``moov``, written last): the frames, no map of them."""
    return mp4[: mp4.index(b"moov") - 4]


def no_temp_files(upload_dir: Path) -> bool:
    return not any(name.startswith(".partial-") for name in listing(upload_dir))


def test_bad_images_refused_good_one_stored_with_thumbnail(
    backend_url: str, upload_dir: Path
) -> None:
    t = tag()
    good = samples.oriented_jpeg(6, size=(800, 400))
    files = [
        (f"cut-{t}.png", samples.noisy_png(80_000)[:50_000]),
        (f"bomb-{t}.png", samples.png_claiming(12_000, 12_000)),
        (f"turned-{t}.jpg", good),
        (f"no-end-{t}.png", samples.noisy_png(20_000)[:-12]),
    ]
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(backend_url, ImagesState, files)

    assert [o["name"] for o in outcomes] == [name for name, _ in files]
    assert_refused(outcomes[0], "not a valid PNG image: the file is truncated or corrupt")
    assert_refused(
        outcomes[1],
        # Over Pillow's own limit: its warning, an error here, stops the open itself.
        "too many pixels: the limit is 50 megapixels",
    )
    assert_refused(outcomes[3], "not a valid PNG image: the file is truncated or corrupt")
    row = assert_stored(outcomes[2], good, upload_dir, "images", ".jpg")
    assert (row.width, row.height) == (400, 800)
    preview = row.stored_name.replace(".jpg", ".thumb.webp")
    assert row.preview_name == preview

    assert listing(upload_dir) - before == {row.stored_name, preview}
    assert row_count() == rows_before + 1
    assert rows_named(files[0][0], files[1][0], files[3][0]) == []
    assert no_temp_files(upload_dir)

    thumb = decoded(fetch(backend_url, preview).content)
    assert (thumb.format, thumb.size) == ("WEBP", (160, 320))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: samples.audio_bytes("mp4"),
            "no video stream in this MP4 file (it holds only audio)",
        ),
        (
            lambda: samples.audio_bytes("ogg"),
            "no video stream in this Ogg file (it holds only audio)",
        ),
        (
            lambda: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"plain text\n" * 200,
            "not a valid MP4 video: the file is truncated or corrupt",
        ),
        (
            lambda: _cut_before_index(samples.video_bytes("mp4", frames=24)),
            "not a valid MP4 video: the file is truncated or corrupt",
        ),
    ],
    ids=["audio-only-mp4", "audio-only-ogg", "mp4-header-then-text", "truncated-mp4"],
)
def test_video_page_refuses_what_holds_no_playable_video(
    backend_url: str, upload_dir: Path, make, message: str
) -> None:
    t = tag()
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(backend_url, VideoState, [(f"clip-{t}.mp4", make())])
    assert outcomes[0]["name"] == f"clip-{t}.mp4"
    assert_refused(outcomes[0], message)
    assert listing(upload_dir) == before
    assert row_count() == rows_before


@pytest.mark.parametrize(("container", "codec"), [("mp4", "h264"), ("webm", "vp8")])
def test_real_video_is_measured_and_gets_a_poster(
    backend_url: str, upload_dir: Path, container: str, codec: str
) -> None:
    t = tag()
    data = samples.video_bytes(container, frames=30, size=(160, 120))
    before = listing(upload_dir)
    _, outcomes = upload(backend_url, VideoState, [(f"clip-{t}.{container}", data)])
    row = assert_stored(outcomes[0], data, upload_dir, "video", f".{container}")
    assert (row.width, row.height, row.codec) == (160, 120, codec)
    assert row.duration == pytest.approx(2.5, abs=0.1)
    preview = row.stored_name.replace(f".{container}", ".poster.jpg")
    assert row.preview_name == preview
    assert listing(upload_dir) - before == {row.stored_name, preview}
    poster = decoded(fetch(backend_url, preview).content)
    assert (poster.format, poster.size) == ("JPEG", (160, 120))


def test_duplicates_in_one_request_and_across_pages(backend_url: str, upload_dir: Path) -> None:
    t = tag()
    png = samples.image_bytes("PNG", size=(400, 300), seed=2100)
    before, rows_before = listing(upload_dir), row_count()
    _, outcomes = upload(
        backend_url, ImagesState, [(f"first-{t}.png", png), (f"second-{t}.png", png)]
    )
    row = assert_stored(outcomes[0], png, upload_dir, "images", ".png")
    assert_refused(outcomes[1], f"already stored as first-{t}.png (from /images)")
    assert outcomes[1]["duplicate_of"] == row.stored_name
    assert listing(upload_dir) - before == {row.stored_name, row.preview_name}
    assert row_count() == rows_before + 1

    # Later, from another page and another client, under another name.
    after_first = listing(upload_dir)
    _, outcomes = upload(backend_url, RestrictedState, [(f"again-{t}.png", png)])
    assert_refused(outcomes[0], f"already stored as first-{t}.png (from /images)")
    assert outcomes[0]["duplicate_of"] == row.stored_name
    assert listing(upload_dir) == after_first
    assert row_count() == rows_before + 1
    assert rows_named(f"second-{t}.png", f"again-{t}.png") == []
    # The link the page shows leads to the stored file.
    assert fetch(backend_url, outcomes[0]["duplicate_of"]).content == png
