"""How long a 320 px thumbnail of a 24-megapixel JPEG takes, with and without draft mode.

Draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale straight from the
DCT coefficients; without it the whole 6000 × 4000 image is decoded and
then shrunk, either by ``reduce`` then a resample (what Pillow's thumbnail
does after a full decode) or by one resample over every pixel (naive code).

The cases take turns in this process for their timings; each runs once
more in a fresh process for its peak memory (how far the peak RSS rises).
"""

from __future__ import annotations

import io
import multiprocessing
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from benchmarks.registry import Options, Result, benchmark, time_runs
from tests.samples import photo_jpeg
from upload_demo import filetypes, media

SIZE = (6000, 4000)


def _thumbnail(path: Path, *, draft: bool) -> bytes:
    out = io.BytesIO()
    with Image.open(path) as img:
        media.make_thumbnail(img, draft=draft).save(out, format="WEBP", quality=80)
    return out.getvalue()


def _draft(path: Path) -> bytes:
    return _thumbnail(path, draft=True)


def _full(path: Path) -> bytes:
    return _thumbnail(path, draft=False)


def _naive(path: Path) -> bytes:
    """What code without draft or reduce does: decode all, resample all 24 MP once."""
    out = io.BytesIO()
    with Image.open(path) as img:
        img.load()
        scale = media.THUMB_SIZE / max(img.size)
        size = (round(img.width * scale), round(img.height * scale))
        img.resize(size, Image.Resampling.LANCZOS).save(out, format="WEBP", quality=80)
    return out.getvalue()


def _upload_check(path: Path) -> object:
    return media.inspect_image(path, filetypes.JPEG, [filetypes.JPEG], io.BytesIO())


CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    "draft": ("draft mode (reduced decode)", _draft),
    "full": ("full decode, reduce, then resample", _full),
    "naive": ("full decode, resample straight to 320 px", _naive),
    "upload": ("the upload's whole check (verify + draft)", _upload_check),
}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def _peak_memory_growth(path: str, case: str) -> int | None:
    """Run in a fresh process: how far one run lifts the peak RSS above the RSS before, in bytes.

    Linux only: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
    (``ru_maxrss`` will not do: a spawned process inherits its parent's peak.)
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kib("VmRSS")
    except OSError:
        return None
    CASES[case][1](Path(path))
    return (_status_kib("VmHWM") - before) * 1024


def _measure_memory(path: Path, case: str) -> int | None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_peak_memory_growth, str(path), case).result()


@benchmark("thumbnail", "320 px WebP thumbnail of a 24 MP JPEG: draft mode vs full decode")
def run(options: Options) -> list[Result]:
    """Time each case ``options.repeat`` times on one generated 24 MP photo."""
    with tempfile.TemporaryDirectory(prefix="bench-thumbnail-") as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(photo_jpeg(SIZE, seed=24))
        file_bytes = path.stat().st_size
        thumb_size = Image.open(io.BytesIO(_draft(path))).size
        seconds = time_runs(
            {case: (lambda action=action: action(path)) for case, (_, action) in CASES.items()},
            options.repeat,
        )
        results = [
            Result(
                benchmark="thumbnail",
                case=label,
                seconds=seconds[case],
                peak_memory_bytes=_measure_memory(path, case),
                extra={
                    "image": f"{SIZE[0]}x{SIZE[1]} JPEG, {file_bytes} bytes",
                    "thumbnail": f"{thumb_size[0]}x{thumb_size[1]} WebP",
                },
            )
            for case, (label, _) in CASES.items()
        ]
    draft = results[0]
    for other in results[1:]:
        # time_runs ran every case options.repeat (>= 3) times: each has a median.
        assert other.median is not None and draft.median is not None
        ratio = other.median / draft.median
        other.note = f"{ratio:.1f}× the draft-mode time"
        other.extra["ratio_to_draft"] = ratio
    return results
