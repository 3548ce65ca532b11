"""media: real images and videos made in the test, decoded, measured and previewed."""

from __future__ import annotations

import http.server
import io
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import av
import av.error
import pytest
from PIL import Image

from tests import long_tail, samples
from tests.conftest import ROOT
from upload_demo import filetypes, media, policy
from upload_demo.filetypes import FileType
from upload_demo.policy import Rejected

IMAGE_TYPES = policy.IMAGES.types


def write(tmp_path: Path, data: bytes, name: str = "upload") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def image_type(data: bytes) -> FileType:
    found = filetypes.identify(data[: filetypes.HEAD_SIZE])
    assert found is not None and found.kind == "image"
    return found


def probe_image(
    tmp_path: Path, data: bytes, max_pixels: int = media.MAX_PIXELS
) -> tuple[media.MediaInfo, bytes]:
    out = io.BytesIO()
    path = write(tmp_path, data)
    info = media.inspect_image(path, image_type(data), IMAGE_TYPES, out, max_pixels=max_pixels)
    return info, out.getvalue()


def probe_video(
    tmp_path: Path, data: bytes, file_type: FileType, max_pixels: int = media.MAX_PIXELS
) -> tuple[media.MediaInfo, bytes]:
    out = io.BytesIO()
    info = media.inspect_video(write(tmp_path, data), file_type, out, max_pixels=max_pixels)
    return info, out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixel_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """The bands of one pixel of a multi-band image (Pillow's getpixel is typed for all modes)."""
    value = image.getpixel(xy)
    assert isinstance(value, tuple), value
    return value


def close_to(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


def red_side(image: Image.Image) -> str:
    """Which edge of a two-tone (red/blue) picture is red."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    probes = {
        "top": (w // 2, h // 8),
        "bottom": (w // 2, h - 1 - h // 8),
        "left": (w // 8, h // 2),
        "right": (w - 1 - w // 8, h // 2),
    }
    red = [side for side, xy in probes.items() if close_to(pixel_at(rgb, xy), samples.RED)]
    assert len(red) == 1, (red, {s: rgb.getpixel(xy) for s, xy in probes.items()})
    return red[0]


# --- images -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "displayed", "red"),
    [
        (1, (800, 400), "top"),
        (3, (800, 400), "bottom"),
        (6, (400, 800), "right"),
        (8, (400, 800), "left"),
    ],
)
def test_exif_orientation_gives_an_upright_thumbnail(
    tmp_path: Path, orientation: int, displayed: tuple[int, int], red: str
) -> None:
    info, thumb = probe_image(tmp_path, samples.oriented_jpeg(orientation, size=(800, 400)))
    assert (info.width, info.height) == displayed
    image = opened(thumb)
    assert image.format == "WEBP"
    assert max(image.size) == media.THUMB_SIZE
    assert image.size == (displayed[0] * 320 // 800, displayed[1] * 320 // 800)
    assert red_side(image) == red


def test_thumbnail_carries_no_metadata(tmp_path: Path) -> None:
    source = samples.jpeg_with_metadata()
    original = opened(source)
    assert original.getexif() and "icc_profile" in original.info and "xmp" in original.info
    _, thumb = probe_image(tmp_path, source)
    image = opened(thumb)
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp"} & set(image.info)
    for marker in (b"EXIF", b"ICCP", b"XMP ", b"SampleCam", b"secret"):
        assert marker not in thumb


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_every_image_type_gets_a_webp_thumbnail(tmp_path: Path, fmt: str) -> None:
    data = samples.image_bytes(fmt, size=(1000, 500), seed=3)
    info, thumb = probe_image(tmp_path, data)
    assert (info.width, info.height) == (1000, 500)
    assert (info.duration, info.codec) == (None, None)
    image = opened(thumb)
    assert image.format == "WEBP"
    assert image.size == (320, 160)
    assert close_to(pixel_at(image, (160, 80)), samples.seed_color(3), tolerance=12)


def test_small_image_is_not_enlarged(tmp_path: Path) -> None:
    info, thumb = probe_image(tmp_path, samples.image_bytes("PNG", size=(30, 20)))
    assert (info.width, info.height) == (30, 20)
    assert opened(thumb).size == (30, 20)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated_image_gives_a_still_of_the_first_frame(tmp_path: Path, fmt: str) -> None:
    data = samples.animated(fmt, [samples.RED, (20, 200, 20), samples.BLUE])
    assert getattr(opened(data), "n_frames", 1) == 3
    info, thumb = probe_image(tmp_path, data)
    assert (info.width, info.height) == (60, 40)
    image = opened(thumb)
    assert getattr(image, "n_frames", 1) == 1
    assert not getattr(image, "is_animated", False)
    assert close_to(pixel_at(image, (30, 20)), samples.RED)


def test_transparency_is_kept(tmp_path: Path) -> None:
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    clear.paste((200, 10, 10, 255), (0, 0, 20, 40))
    out = io.BytesIO()
    clear.save(out, format="PNG")
    _, thumb = probe_image(tmp_path, out.getvalue())
    image = opened(thumb)
    assert image.mode == "RGBA"
    assert pixel_at(image, (35, 20))[3] == 0
    assert pixel_at(image, (5, 20))[3] == 255


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    _, thumb = probe_image(tmp_path, samples.sixteen_bit_png(30000))
    level = opened(thumb).convert("L").getpixel((10, 10))
    assert isinstance(level, int) and abs(level - 30000 // 256) <= 3


def test_large_jpeg_is_decoded_at_reduced_size(tmp_path: Path) -> None:
    """Draft mode: a 12 MP JPEG is decoded at 1/4 scale, never at full size."""
    path = write(tmp_path, samples.photo_jpeg((4000, 3000)))
    with Image.open(path) as img:
        thumb = media.make_thumbnail(img)
        assert img.size == (1000, 750)
    assert thumb.size == (320, 240)
    with Image.open(path) as img:
        full = media.make_thumbnail(img, draft=False)
        assert img.size == (4000, 3000)
    assert full.size == (320, 240)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _flip_a_byte_in_the_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (lambda: _truncated(samples.noisy_png(60_000)), "PNG"),
        (lambda: _flip_a_byte_in_the_middle(samples.noisy_png(60_000)), "PNG"),
        (lambda: samples.noisy_png(60_000)[:40], "PNG"),
        # Pixels complete, end missing: loading succeeds, only verify() notices.
        (lambda: samples.noisy_png(60_000)[:-12], "PNG"),
        (lambda: _truncated(samples.photo_jpeg((600, 400))), "JPEG"),
        (lambda: _truncated(samples.image_bytes("GIF", size=(300, 200))), "GIF"),
        (lambda: _truncated(samples.photo_webp()), "WebP"),
    ],
    ids=["png-truncated", "png-bad-crc", "png-header-only", "png-no-end", "jpeg", "gif", "webp"],
)
def test_truncated_or_corrupt_image_is_refused(tmp_path: Path, make, label: str) -> None:
    data = make()
    out = io.BytesIO()
    with pytest.raises(Rejected) as info:
        media.inspect_image(write(tmp_path, data), image_type(data), IMAGE_TYPES, out)
    assert str(info.value) == f"not a valid {label} image: the file is truncated or corrupt"
    assert out.getvalue() == b""


def test_only_the_sniffed_format_may_decode(tmp_path: Path) -> None:
    """Pillow is told the formats: a JPEG claimed to be a PNG is not decoded as JPEG."""
    path = write(tmp_path, samples.image_bytes("JPEG"))
    with pytest.raises(Rejected, match="not a valid PNG image"):
        media.inspect_image(path, filetypes.PNG, [filetypes.PNG], io.BytesIO())


def test_a_type_the_page_does_not_allow_is_a_programming_error(tmp_path: Path) -> None:
    path = write(tmp_path, samples.image_bytes("GIF"))
    with pytest.raises(ValueError, match="GIF is not an image type this page allows"):
        media.inspect_image(path, filetypes.GIF, [filetypes.PNG, filetypes.JPEG], io.BytesIO())


def test_pillows_bomb_warning_is_an_error(tmp_path: Path) -> None:
    """Over Pillow's own limit (89 MP) it only warns; importing media makes that an error.

    In a fresh interpreter, since pytest manages warning filters around each test.
    """
    assert Image.MAX_IMAGE_PIXELS is not None
    side = int(Image.MAX_IMAGE_PIXELS**0.5) + 1
    path = write(tmp_path, samples.png_claiming(side, side))
    script = (
        "import sys\n"
        "from PIL import Image\n"
        "if sys.argv[2] == 'media':\n"
        "    import upload_demo.media\n"
        "try:\n"
        "    Image.open(sys.argv[1])\n"
        "except Image.DecompressionBombWarning:\n"
        "    sys.exit(3)\n"
    )
    for imported, code in (("media", 3), ("pillow only", 0)):
        run = subprocess.run(
            [sys.executable, "-c", script, str(path), imported],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == code, (imported, run.stderr)


@pytest.mark.parametrize(
    ("width", "height", "shown"),
    [(9000, 9000, "81"), (12000, 12000, None), (20000, 20000, None)],
    ids=["over-ours", "pillow-warns", "pillow-refuses"],
)
def test_decompression_bomb_is_refused_without_decoding(
    tmp_path: Path, width: int, height: int, shown: str | None
) -> None:
    """A small PNG whose header claims a huge picture: refused before any pixel memory."""
    data = samples.png_claiming(width, height)
    assert len(data) < 30_000
    out = io.BytesIO()
    Image.core.reset_stats()
    with pytest.raises(Rejected) as info:
        media.inspect_image(write(tmp_path, data), filetypes.PNG, IMAGE_TYPES, out)
    assert Image.core.get_stats()["new_count"] == 0
    message = str(info.value)
    assert message.startswith("too many pixels")
    assert message.endswith("the limit is 50 megapixels") or message.endswith(
        "the limit of 50 megapixels"
    )
    if shown is not None:
        assert f"{width} × {height} ({shown} megapixels)" in message
    assert out.getvalue() == b""
    # The same probe sees a real decode: the assertion above can fail.
    Image.core.reset_stats()
    probe_image(tmp_path, samples.image_bytes("PNG"))
    assert Image.core.get_stats()["new_count"] > 0


def test_real_image_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("L", (8000, 7000)).save(out, format="PNG")
    Image.core.reset_stats()
    with pytest.raises(Rejected) as info:
        probe_image(tmp_path, out.getvalue())
    assert str(info.value) == (
        "too many pixels: 8000 × 7000 (56 megapixels) is over the limit of 50 megapixels"
    )
    assert Image.core.get_stats()["new_count"] == 0


def test_pixel_limit_is_a_parameter(tmp_path: Path) -> None:
    data = samples.image_bytes("PNG", size=(100, 100))
    probe_image(tmp_path, data, max_pixels=10_000)
    with pytest.raises(Rejected, match=r"100 × 100 \(0.01 megapixels\) is over the limit"):
        probe_image(tmp_path, data, max_pixels=9_999)


def test_pillow_settings_are_left_alone(tmp_path: Path) -> None:
    from PIL import ImageFile

    def settings() -> tuple[object, ...]:
        return Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters)

    before = settings()
    with pytest.raises(Rejected):
        probe_image(tmp_path, samples.png_claiming(12000, 12000))
    probe_image(tmp_path, samples.image_bytes("PNG"))
    assert settings() == before


# --- videos -----------------------------------------------------------------------

VIDEO_TYPES = {
    "mp4": (filetypes.MP4, "h264"),
    "mov": (filetypes.QUICKTIME, "h264"),
    "webm": (filetypes.WEBM, "vp8"),
    "ogg": (filetypes.OGG, "vp8"),
}


@pytest.mark.parametrize("container", list(VIDEO_TYPES))
def test_real_video_is_probed_and_gets_a_poster(tmp_path: Path, container: str) -> None:
    file_type, codec = VIDEO_TYPES[container]
    data = samples.video_bytes(container, frames=18)
    assert filetypes.identify(data[: filetypes.HEAD_SIZE]) is file_type
    info, poster = probe_video(tmp_path, data, file_type)
    assert (info.width, info.height) == (64, 48)
    assert info.codec == codec
    assert info.duration == pytest.approx(1.5, abs=0.1)
    image = opened(poster)
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert not image.getexif()


def test_poster_is_scaled_down(tmp_path: Path) -> None:
    data = samples.video_bytes("mp4", frames=3, size=(1280, 720))
    info, poster = probe_video(tmp_path, data, filetypes.MP4)
    assert (info.width, info.height) == (1280, 720)
    assert opened(poster).size == (640, 360)


def test_poster_comes_from_one_second_in(tmp_path: Path) -> None:
    data = samples.video_bytes("mp4", frames=36, seed=1)
    info, poster = probe_video(tmp_path, data, filetypes.MP4)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    pixel = pixel_at(opened(poster), (32, 24))
    # 12 frames per second: frame 12 is the one at 1 s.
    assert close_to(pixel, samples.frame_color(12, seed=1), tolerance=12)
    assert not close_to(pixel, samples.frame_color(0, seed=1), tolerance=12)


def test_short_clip_gets_its_first_frame(tmp_path: Path) -> None:
    data = samples.video_bytes("webm", frames=12, seed=1)
    _, poster = probe_video(tmp_path, data, filetypes.WEBM)
    pixel = pixel_at(opened(poster), (32, 24))
    assert close_to(pixel, samples.frame_color(0, seed=1), tolerance=12)


def test_rotated_video_is_measured_and_posted_as_displayed(tmp_path: Path) -> None:
    """A phone's portrait clip: landscape frames with a display rotation."""
    data = samples.video_bytes("mp4", frames=3, rotation=90)
    info, poster = probe_video(tmp_path, data, filetypes.MP4)
    assert (info.width, info.height) == (48, 64)
    image = opened(poster)
    assert image.size == (48, 64)
    # 90° counter-clockwise: the stored top (red) is now on the left.
    assert red_side(image) == "left"


def test_live_webm_without_duration_is_measured_from_its_packets(tmp_path: Path) -> None:
    import av

    data = samples.video_bytes("webm", frames=36, live=True)
    with av.open(io.BytesIO(data), mode="r") as box:
        assert box.duration is None and box.streams.video[0].duration is None
    info, poster = probe_video(tmp_path, data, filetypes.WEBM)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert opened(poster).size == (64, 48)


@pytest.mark.parametrize(
    ("container", "file_type"),
    [("mp4", filetypes.MP4), ("ogg", filetypes.OGG), ("webm", filetypes.WEBM)],
)
def test_audio_only_file_is_refused(tmp_path: Path, container: str, file_type: FileType) -> None:
    data = samples.audio_bytes(container)
    # It passes the type check: only decoding shows there is no video.
    assert filetypes.identify(data[: filetypes.HEAD_SIZE]) is file_type
    out = io.BytesIO()
    with pytest.raises(Rejected) as info:
        media.inspect_video(write(tmp_path, data), file_type, out)
    assert (
        str(info.value) == f"no video stream in this {file_type.label} file (it holds only audio)"
    )
    assert out.getvalue() == b""


def test_text_named_mp4_is_refused(tmp_path: Path) -> None:
    text = b"this is not a video\n" * 50
    out = io.BytesIO()
    with pytest.raises(Rejected, match=r"^not a valid MP4 video"):
        media.inspect_video(write(tmp_path, text, "movie.mp4"), filetypes.MP4, out)
    assert out.getvalue() == b""


def test_mp4_header_followed_by_text_is_refused(tmp_path: Path) -> None:
    """Passes the sniffer (a real ``ftyp`` box) but holds no movie."""
    data = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"just some text\n" * 100
    assert filetypes.identify(data) is filetypes.MP4
    with pytest.raises(Rejected) as info:
        media.inspect_video(write(tmp_path, data), filetypes.MP4, io.BytesIO())
    assert str(info.value).startswith(("not a valid MP4 video", "no video stream"))


def test_truncated_video_is_refused(tmp_path: Path) -> None:
    data = samples.video_bytes("mp4", frames=24)
    with pytest.raises(Rejected, match="MP4"):
        media.inspect_video(write(tmp_path, data[: len(data) // 3]), filetypes.MP4, io.BytesIO())


def test_video_pixel_limit(tmp_path: Path) -> None:
    data = samples.video_bytes("webm", frames=2)
    probe_video(tmp_path, data, filetypes.WEBM, max_pixels=64 * 48)
    with pytest.raises(Rejected, match=r"^too many pixels: 64 × 48"):
        probe_video(tmp_path, data, filetypes.WEBM, max_pixels=64 * 48 - 1)


def test_dispatch_by_type(tmp_path: Path) -> None:
    out = io.BytesIO()
    assert media.inspect(write(tmp_path, samples.pdf_bytes()), filetypes.PDF, [], out) is None
    mkv = long_tail.mkv_bytes()
    matroska = filetypes.identify(mkv)
    assert matroska.kind == "video"
    # A long-tail video is stored as it is: not decoded, no poster.
    assert media.inspect(write(tmp_path, mkv, "clip.mkv"), matroska, [], out) is None
    assert out.getvalue() == b""
    info = media.inspect(
        write(tmp_path, samples.image_bytes("PNG")), filetypes.PNG, IMAGE_TYPES, out
    )
    assert info is not None and info.width == 64


def test_preview_names() -> None:
    assert media.preview_name("0123abcd.jpg", filetypes.JPEG) == "0123abcd.thumb.webp"
    assert media.preview_name("0123abcd.mp4", filetypes.MP4) == "0123abcd.poster.jpg"
    assert media.preview_name("0123abcd.pdf", filetypes.PDF) is None
    for data in (long_tail.mkv_bytes(), long_tail.mp3_bytes(), long_tail.zip_bytes()):
        assert media.preview_name("0123abcd.bin", filetypes.identify(data)) is None


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records the paths it is asked for (and answers 404)."""
    asked: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_ffmpeg_may_open_local_files_only(http_server: tuple[str, list[str]]) -> None:
    base, asked = http_server
    with pytest.raises(av.error.FFmpegError):
        media.open_local(f"{base}/clip.mp4", "mov")
    assert asked == []
    # Without the whitelist FFmpeg does fetch it: the check above can fail.
    with pytest.raises(av.error.FFmpegError):
        av.open(f"{base}/control.mp4", format="mov")
    assert asked == ["/control.mp4"]
