"""Real sample files made on the fly: images by Pillow, videos by PyAV.

Every call makes distinct bytes (a random marker in the file's metadata),
because the app stores each SHA-256 once: a test that wants a duplicate
uploads the same bytes object twice. ``seed`` picks the colours.
"""

from __future__ import annotations

import io
import secrets
import struct
import zlib
from fractions import Fraction

from PIL import Image, PngImagePlugin


def _marker() -> str:
    return secrets.token_hex(8)


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Save with a unique marker where each format keeps free text."""
    fmt = fmt.upper()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("sample", _marker())
        params.setdefault("pnginfo", info)
    elif fmt in ("JPEG", "GIF"):
        params.setdefault("comment", _marker().encode())
    elif fmt == "WEBP":
        params.setdefault("xmp", f"<sample>{_marker()}</sample>".encode())
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def seed_color(seed: int) -> tuple[int, int, int]:
    """Seeds up to 65535 all give distinct colours (the green channel moves with seed // 256)."""
    return (
        (seed * 67) % 256,
        (seed * 131 + 80 + (seed // 256) * 97) % 256,
        (seed * 29 + 160) % 256,
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A small real image in ``fmt`` (PNG, JPEG, GIF, WEBP), one flat colour."""
    return _save(Image.new("RGB", size, seed_color(seed)), fmt)


def noisy_png(size_bytes: int, seed: int = 0) -> bytes:
    """A valid PNG of roughly ``size_bytes``: random pixels do not compress."""
    import random

    rng = random.Random(seed)
    side = max(8, int((size_bytes / 3) ** 0.5))
    raw = rng.randbytes(side * side * 3)
    image = Image.frombytes("RGB", (side, side), raw)
    return _save(image, "PNG", compress_level=0)


def pdf_bytes(text: str = "hello") -> bytes:
    """A minimal one-page PDF (``text`` makes it distinct)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def html_bytes(text: str = "hello") -> bytes:
    """A small HTML document (``text`` makes it distinct)."""
    return f"<!doctype html><html><body><p>{text}</p></body></html>".encode()


def photo(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Photo-like content: smooth shapes and gradients with fine grain, not a flat colour.

    Built from a coarse random grid scaled up smoothly, plus sensor-like
    grain; at 6000 × 4000 and quality 90 the JPEG is about 8 MB, like a
    24-megapixel camera's.
    """
    import random

    rng = random.Random(seed)
    width, height = size
    coarse = (max(2, width // 150), max(2, height // 150))
    base = Image.frombytes("RGB", coarse, rng.randbytes(coarse[0] * coarse[1] * 3))
    base = base.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(base, grain, 0.2)


def photo_jpeg(size: tuple[int, int], seed: int = 0, quality: int = 90) -> bytes:
    """A real JPEG of photo-like content (see ``photo``)."""
    return _save(photo(size, seed), "JPEG", quality=quality)


def photo_webp(size: tuple[int, int] = (300, 200), seed: int = 0) -> bytes:
    """A real lossy WebP of photo-like content."""
    return _save(photo(size, seed), "WEBP", quality=80)


def two_tone(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]):
    """Top half one colour, bottom half another: shows which way is up."""
    image = Image.new("RGB", size, bottom)
    image.paste(top, (0, 0, size[0], size[1] // 2))
    return image


RED = (220, 20, 20)
BLUE = (20, 20, 220)


def oriented_jpeg(orientation: int = 6, size: tuple[int, int] = (80, 40)) -> bytes:
    """A JPEG stored red-on-top that EXIF ``orientation`` says to display turned.

    Orientation 6 means "rotate 90° clockwise to display": the stored top
    (red) ends up on the right, and an 80×40 file displays as 40×80.
    """
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _save(two_tone(size, RED, BLUE), "JPEG", exif=exif, quality=95)


def jpeg_with_metadata() -> bytes:
    """A JPEG carrying EXIF (camera, GPS-like text), an ICC profile and XMP."""
    from PIL import ImageCms

    exif = Image.Exif()
    exif[0x010F] = "SampleCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0131] = "secret-software"  # Software
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _save(
        photo((400, 300), seed=7),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
    )


def animated(fmt: str, colors: list[tuple[int, int, int]], size: tuple[int, int] = (60, 40)):
    """An animated GIF or WebP, one flat colour per frame."""
    frames = [Image.new("RGB", size, c) for c in colors]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def sixteen_bit_png(value: int = 30000, size: tuple[int, int] = (40, 30)) -> bytes:
    """A 16-bit greyscale PNG of one level (out of 65535)."""
    return _save(Image.new("I;16", size, value), "PNG")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` greyscale pixels.

    The few bytes of pixel data after it are valid zlib; a decoder that
    trusted the header would allocate width × height bytes before noticing.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"tEXt", b"sample\x00" + _marker().encode())
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + _png_chunk(b"IEND", b"")
    )


def frame_color(index: int, seed: int = 0) -> tuple[int, int, int]:
    """The colour of frame ``index`` in ``video_bytes``: tests can tell frames apart."""
    return ((seed * 40 + index * 20) % 256, 80, 160)


def video_bytes(
    container: str = "mp4",
    frames: int = 12,
    seed: int = 0,
    *,
    size: tuple[int, int] = (64, 48),
    rotation: int = 0,
    live: bool = False,
) -> bytes:
    """A tiny real video at 12 frames/s: H.264 in MP4/MOV/Matroska, VP8 in WebM/Ogg.

    ``rotation`` stores a display matrix (counter-clockwise degrees, as phones
    do for portrait clips) and makes the frames red on top, blue below;
    ``live`` writes a WebM without duration or index, as a browser's
    MediaRecorder does.
    """
    codec = {
        "mp4": "libx264",
        "mov": "libx264",
        "webm": "libvpx",
        "ogg": "libvpx",
        "matroska": "libx264",
    }[container]
    import av

    out = io.BytesIO()
    options = {"live": "1"} if live else {}
    with av.open(out, mode="w", format=container, options=options) as box:
        box.metadata["comment"] = _marker()
        stream = box.add_stream(codec, rate=12)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 12)
        if rotation:
            stream.set_display_rotation(rotation)
        for i in range(frames):
            if rotation:
                image = two_tone(size, RED, BLUE)
            else:
                image = Image.new("RGB", size, frame_color(i, seed))
            frame = av.VideoFrame.from_image(image)
            frame.pts = i
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return out.getvalue()


def audio_bytes(container: str = "mp4", seconds: float = 1.0) -> bytes:
    """A real file with one audio stream (a tone) and no video: AAC in MP4, else Opus."""
    import array
    import math

    import av

    codec = {"mp4": "aac", "ogg": "libopus", "webm": "libopus"}[container]
    rate = 48_000
    step = 1024
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        box.metadata["comment"] = _marker()
        stream = box.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        total = int(rate * seconds)
        for start in range(0, total, step):
            count = min(step, total - start)
            pcm = array.array(
                "h",
                (
                    int(8000 * math.sin(2 * math.pi * 440 * (start + n) / rate))
                    for n in range(count)
                ),
            )
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(pcm.tobytes())
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return out.getvalue()
