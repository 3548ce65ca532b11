"""Images and videos proved by decoding them, measured, and given a small preview.

The type check looks at a file's first bytes only; decoding proves the rest.
An image must open with Pillow as one of the formats the page allows, stay
under a pixel budget, verify and load; it gets a WebP thumbnail. A video must
hold a video stream PyAV can decode a frame of; it gets a JPEG poster frame.
Anything else is refused with a message the page shows as-is.

Everything here blocks (decoding, disk): the upload handler runs it in a
worker thread. The one process-wide setting: Pillow's decompression-bomb warning
is an error. Images and videos stay in one module (past 300 lines): both follow
the same prove-measure-preview steps into the same result.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import av.container
import av.error
import av.video
from PIL import ExifTags, Image, ImageOps

from upload_demo import filetypes
from upload_demo.filetypes import FileType
from upload_demo.policy import Rejected

logger = logging.getLogger(__name__)

# Pillow only warns when it opens a picture over its own pixel limit (89 MP) and
# decodes it anyway; its docs advise making that warning an error, for the process.
warnings.simplefilter("error", Image.DecompressionBombWarning)

#: The most pixels (width × height) an image or video frame may have. A 48 MP phone
#: photo or an 8K frame (33 MP) fits; decoded as RGBA, 50 MP is 200 MB, the most
#: one decode may take (PNG, GIF and WebP cannot be decoded at a reduced size).
MAX_PIXELS = 50_000_000

#: Longest side of an image thumbnail, and of a video poster, in pixels.
THUMB_SIZE = 320
POSTER_SIZE = 640

#: Where the poster frame is taken from; clips up to POSTER_MIN_CLIP_S get their first frame.
POSTER_AT_S = 1.0
POSTER_MIN_CLIP_S = 2.0
#: Frames decoded at most while looking for the poster (a long GOP must not cost minutes).
POSTER_MAX_FRAMES = 300

THUMB_SUFFIX = ".thumb.webp"
POSTER_SUFFIX = ".poster.jpg"

#: What each kind of preview is, for a bucket object's Content-Type.
PREVIEW_CONTENT_TYPES = {THUMB_SUFFIX: "image/webp", POSTER_SUFFIX: "image/jpeg"}

#: Pillow's name for each image type; only these plugins may open an upload.
PILLOW_FORMATS: dict[FileType, str] = {
    filetypes.PNG: "PNG",
    filetypes.JPEG: "JPEG",
    filetypes.GIF: "GIF",
    filetypes.WEBP: "WEBP",
}

#: The FFmpeg demuxer for each video type: the one our sniffing agreed with, no probing.
DEMUXERS: dict[FileType, str] = {
    filetypes.MP4: "mov",
    filetypes.QUICKTIME: "mov",
    filetypes.WEBM: "matroska",
    filetypes.OGG: "ogg",
}

#: Full-size decodes running at once, whatever the number of concurrent uploads:
#: with MAX_PIXELS this bounds the memory decoding can take. It stays beside the
#: upload handler's pool (ingest_pool.INGEST_THREADS, larger, as copying needs no
#: such memory): a decode waiting here holds an ingest thread, never a thread of
#: asyncio's default pool, and the bound holds for any caller.
_DECODE_SLOTS = threading.BoundedSemaphore(2)

_SIDEWAYS_ORIENTATIONS = (5, 6, 7, 8)


class AudioOnly(Rejected):
    """A video container holding sound and no picture: not a video, but maybe a song."""


class TooManyPixels(Rejected):
    """A picture over the pixel budget: never decoded, but maybe a file to keep as it is."""


@dataclasses.dataclass(frozen=True)
class MediaInfo:
    """What decoding found: size as displayed, and for videos duration and codec."""

    width: int
    height: int
    duration: float | None = None
    codec: str | None = None


def preview_name(stored_name: str, file_type: FileType) -> str | None:
    """The derived file's name beside ``stored_name``, or None for types we do not decode."""
    if file_type in PILLOW_FORMATS:
        suffix = THUMB_SUFFIX
    elif file_type in DEMUXERS:
        suffix = POSTER_SUFFIX
    else:
        return None
    return f"{Path(stored_name).stem}{suffix}"


def preview_content_type(name: str) -> str:
    """The MIME type of a preview named by ``preview_name``."""
    return next(t for suffix, t in PREVIEW_CONTENT_TYPES.items() if name.endswith(suffix))


def inspect(
    path: Path, file_type: FileType, allowed: Iterable[FileType], preview: BinaryIO
) -> MediaInfo | None:
    """Decode, measure and write the preview of an image or video; None for other types.

    Only our own image and video types are decoded (the long tail, TIFF or
    Matroska, is stored as it is): those are the formats whose decoders we
    restrict and whose failures we can word, while a Matroska file FFmpeg
    cannot decode is still a file a drop portal keeps.
    """
    if file_type in PILLOW_FORMATS:
        return inspect_image(path, file_type, allowed, preview)
    if file_type in DEMUXERS:
        return inspect_video(path, file_type, preview)
    return None


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.3g} megapixels"


def _pixel_limit(max_pixels: int) -> int:
    """Ours, or Pillow's if something lowered it: never decode what Pillow would warn about."""
    pillow = Image.MAX_IMAGE_PIXELS
    return min(max_pixels, pillow) if pillow else max_pixels


def check_pixels(width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse a picture over the pixel budget before anything allocates it."""
    limit = _pixel_limit(max_pixels)
    if width * height > limit:
        raise TooManyPixels(
            f"too many pixels: {width} × {height} ({_megapixels(width * height)}) is over "
            f"the limit of {_megapixels(limit)}"
        )


def _fit(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size that fits ``longest`` on the long side, aspect kept, never enlarged."""
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- images ---------------------------------------------------------------------


@contextmanager
def _decoding(label: str) -> Iterator[None]:
    """Decoder failures on untrusted bytes become a refusal; the detail goes to the log.

    Pillow's messages can hold the temp file's path, so they are not shown.
    """
    try:
        yield
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels(
            f"too many pixels: the limit is {_megapixels(_pixel_limit(MAX_PIXELS))}"
        ) from None
    except Exception as exc:
        logger.info("refusing a %s that does not decode: %r", label, exc)
        raise Rejected(f"not a valid {label} image: the file is truncated or corrupt") from None


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode == "P" and "transparency" in img.info
    )


def _resizable(img: Image.Image) -> Image.Image:
    """A mode Pillow resamples well: palettes are resized nearest-neighbour, 16-bit clips."""
    if img.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return img
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return img.convert("RGBA" if _has_alpha(img) else "RGB")


def make_thumbnail(img: Image.Image, *, draft: bool = True, size: int = THUMB_SIZE) -> Image.Image:
    """A new upright image, longest side at most ``size``, with no metadata.

    ``img`` must not be loaded yet. With ``draft`` a JPEG is decoded straight
    at 1/2, 1/4 or 1/8 scale (the DCT does the shrinking), so a 24 MP photo
    never exists in memory at full size; without it, the full image is
    decoded first (the benchmark compares both). Other formats are decoded
    whole, then shrunk by ``reduce`` before resampling. Animated images give
    their first frame. ``img.size`` is left at the size actually decoded.
    """
    if draft:
        width, height = _fit(*img.size, size)
        # Twice the target, so the final resampling still has pixels to average.
        img.draft(None, (width * 2, height * 2))
    img.load()
    source = _resizable(img)
    small = source.resize(_fit(*source.size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    upright = ImageOps.exif_transpose(small)
    result = upright.convert("RGBA" if _has_alpha(upright) else "RGB")
    result.info = {}
    return result


def _displayed_size(img: Image.Image, stored: tuple[int, int]) -> tuple[int, int]:
    width, height = stored
    if img.getexif().get(ExifTags.Base.Orientation, 1) in _SIDEWAYS_ORIENTATIONS:
        return height, width
    return width, height


def inspect_image(
    path: Path,
    file_type: FileType,
    allowed: Iterable[FileType],
    preview: BinaryIO,
    *,
    max_pixels: int = MAX_PIXELS,
) -> MediaInfo:
    """Prove ``path`` is an allowed, sound image; write its WebP thumbnail to ``preview``."""
    formats = [PILLOW_FORMATS[t] for t in allowed if t in PILLOW_FORMATS]
    if PILLOW_FORMATS.get(file_type) not in formats:
        raise ValueError(f"{file_type.label} is not an image type this page allows")
    label = file_type.label
    with _DECODE_SLOTS, _decoding(label):
        # Opening reads the header only: the size is known before any pixel is.
        with Image.open(path, formats=formats) as img:
            if img.format != PILLOW_FORMATS[file_type]:
                raise Rejected(f"not a valid {label} image: it decodes as {img.format}")
            check_pixels(*img.size, max_pixels=max_pixels)
            img.verify()
        # verify() leaves the image unusable: open again to decode for real.
        with Image.open(path, formats=formats) as img:
            stored_size = img.size
            thumb = make_thumbnail(img)
            width, height = _displayed_size(img, stored_size)
    thumb.save(preview, format="WEBP", quality=80)
    return MediaInfo(width=width, height=height)


# --- videos ---------------------------------------------------------------------


def _duration(container: av.container.InputContainer, stream: av.video.VideoStream) -> float | None:
    """From the stream or the container header; else (live WebM) from the last packet."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    end = None
    for packet in container.demux(stream):
        if packet.pts is not None:
            packet_end = packet.pts + (packet.duration or 0)
            end = packet_end if end is None else max(end, packet_end)
    if end is None or not stream.time_base:
        return None
    return float((end - (stream.start_time or 0)) * stream.time_base)


def _poster_frame(
    container: av.container.InputContainer, stream: av.video.VideoStream, at: float
) -> av.VideoFrame | None:
    """The first frame at or after ``at`` seconds (or the last one decoded before it)."""
    target = stream.start_time or 0
    if at > 0 and stream.time_base:
        target += int(Fraction(at) / stream.time_base)
    # Back to the key frame at or before the target (also rewinds after a duration scan).
    container.seek(target, stream=stream, backward=True)
    found = None
    for count, frame in enumerate(container.decode(stream), start=1):
        found = frame
        if frame.pts is None or frame.pts >= target or count >= POSTER_MAX_FRAMES:
            break
    return found


_ROTATIONS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}


def open_local(path: Path | str, demuxer: str) -> av.container.InputContainer:
    """Open a media file with FFmpeg allowed no protocol but ``file``.

    Whatever a container or playlist inside it names (a URL, another file over
    a network protocol), FFmpeg cannot be made to fetch it.
    """
    return av.open(str(path), format=demuxer, options={"protocol_whitelist": "file"})


def inspect_video(
    path: Path, file_type: FileType, preview: BinaryIO, *, max_pixels: int = MAX_PIXELS
) -> MediaInfo:
    """Prove ``path`` holds a decodable video stream; write a JPEG poster to ``preview``."""
    label = file_type.label
    try:
        container = open_local(path, DEMUXERS[file_type])
    except av.error.FFmpegError as exc:
        logger.info("refusing a %s that does not open: %r", label, exc)
        raise Rejected(f"not a valid {label} video: the file is truncated or corrupt") from None
    with container, _DECODE_SLOTS:
        if not container.streams:
            raise Rejected(f"not a valid {label} video: the file is truncated or corrupt")
        if not container.streams.video:
            if container.streams.audio:
                raise AudioOnly(f"no video stream in this {label} file (it holds only audio)")
            raise Rejected(f"no video stream in this {label} file")
        stream = container.streams.video[0]
        context = stream.codec_context
        if context is None or context.codec is None:
            raise Rejected(f"the video codec of this {label} file is not supported")
        codec = context.codec.canonical_name
        if context.width and context.height:
            check_pixels(context.width, context.height, max_pixels)
        duration: float | None = None
        try:
            duration = _duration(container, stream)
            at = POSTER_AT_S if duration and duration > POSTER_MIN_CLIP_S else 0.0
            frame = _poster_frame(container, stream, at)
            if frame is None and at:
                frame = _poster_frame(container, stream, 0.0)
        except av.error.FFmpegError as exc:
            logger.info("refusing a %s whose video does not decode: %r", label, exc)
            frame = None
        if frame is None:
            raise Rejected(f"the video in this {label} file cannot be decoded")
        check_pixels(frame.width, frame.height, max_pixels)
        rotation = frame.rotation % 360
        poster = frame.reformat(*_fit(frame.width, frame.height, POSTER_SIZE), format="rgb24")
        image = poster.to_image()
    if rotation in _ROTATIONS:
        image = image.transpose(_ROTATIONS[rotation])
    image.save(preview, format="JPEG", quality=85)
    width, height = frame.width, frame.height
    if rotation in (90, 270):
        width, height = height, width
    return MediaInfo(width=width, height=height, duration=duration, codec=codec)
