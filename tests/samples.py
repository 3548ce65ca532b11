"""Real sample files made on the fly: images by Pillow, videos by PyAV.

Each call can make distinct bytes (``seed``) so tests never collide on content.
"""

from __future__ import annotations

import io
from fractions import Fraction

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A small real image in ``fmt`` (PNG, JPEG, GIF, WEBP)."""
    # Seeds below 256 give the same colours as before; above, the green channel also
    # moves with seed // 256, so seeds up to 65535 all give distinct colours.
    color = (
        (seed * 67) % 256,
        (seed * 131 + 80 + (seed // 256) * 97) % 256,
        (seed * 29 + 160) % 256,
    )
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def noisy_png(size_bytes: int, seed: int = 0) -> bytes:
    """A valid PNG of roughly ``size_bytes``: random pixels do not compress."""
    import random

    rng = random.Random(seed)
    side = max(8, int((size_bytes / 3) ** 0.5))
    raw = rng.randbytes(side * side * 3)
    image = Image.frombytes("RGB", (side, side), raw)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def pdf_bytes(text: str = "hello") -> bytes:
    """A minimal one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def html_bytes(text: str = "hello") -> bytes:
    """A small HTML document."""
    return f"<!doctype html><html><body><p>{text}</p></body></html>".encode()


def video_bytes(container: str = "mp4", frames: int = 12, seed: int = 0) -> bytes:
    """A tiny real video: H.264 in MP4/MOV/Matroska, VP8 in WebM/Ogg."""
    codec = {
        "mp4": "libx264",
        "mov": "libx264",
        "webm": "libvpx",
        "ogg": "libvpx",
        "matroska": "libx264",
    }[container]
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as box:
        stream = box.add_stream(codec, rate=12)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 12)
        for i in range(frames):
            shade = (seed * 40 + i * 20) % 256
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (shade, 80, 160)))
            frame.pts = i
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return out.getvalue()
