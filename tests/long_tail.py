"""Real files of the long tail a drop portal receives, and active content it must refuse.

As in samples.py, every call makes distinct bytes (a random marker), because
the app stores each SHA-256 once.
"""

from __future__ import annotations

import io
import random
import secrets
import tarfile
import zipfile

from tests import samples


def _marker() -> str:
    return secrets.token_hex(8)


def zip_bytes() -> bytes:
    """A ZIP archive holding one text file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", f"hello {_marker()}\n")
    return out.getvalue()


def tar_bytes(gzip: bool = False) -> bytes:
    """A tar archive holding one text file; gzipped, a .tar.gz."""
    data = f"hello {_marker()}\n".encode()
    info = tarfile.TarInfo("notes.txt")
    info.size = len(data)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz" if gzip else "w") as archive:
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def iso_bytes() -> bytes:
    """The smallest thing libmagic calls an ISO 9660 image: a primary volume descriptor.

    The descriptor sits at sector 16 (byte 32 768): type 1, then ``CD001``.
    """
    image = bytearray(36 * 1024)
    image[32768:32775] = b"\x01CD001\x01"
    label = _marker().upper().encode()
    image[32808 : 32808 + len(label)] = label
    return bytes(image)


def mkv_bytes(seed: int = 0) -> bytes:
    """A tiny H.264 video in Matroska (not WebM)."""
    return samples.video_bytes("matroska", seed=seed)


def mp3_bytes(frames: int = 12) -> bytes:
    """A short silent MP3 written by PyAV's LAME encoder (it opens with an ID3 tag)."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp3") as box:
        box.metadata["comment"] = _marker()
        stream = box.add_stream("libmp3lame", rate=44_100)
        stream.layout = "mono"
        for index in range(frames):
            frame = av.AudioFrame(format="s16", layout="mono", samples=1152)
            frame.planes[0].update(bytes(2304))
            frame.sample_rate = 44_100
            frame.pts = index * 1152
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return out.getvalue()


def csv_bytes(rows: int = 20) -> bytes:
    """A CSV table with a header row."""
    lines = ["id,name,score"] + [f"{i},row-{_marker()},{i * 1.5}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def random_bytes(size: int = 20_000) -> bytes:
    """Bytes of no known type: a fixed random start (no signature matches by chance)."""
    return random.Random(7).randbytes(size - 16) + secrets.token_bytes(16)


def svg_bytes() -> bytes:
    """An SVG image carrying a script, behind an XML declaration, a comment and a doctype."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- {_marker()} -->\n"
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<script>alert(document.domain)</script></svg>\n"
    ).encode()


def xml_bytes() -> bytes:
    """An XML document (not SVG, not HTML)."""
    return f'<?xml version="1.0"?>\n<note><to>{_marker()}</to></note>\n'.encode()


def angle_text_bytes() -> bytes:
    """Plain text that happens to start with ``<``."""
    return f"<note> remember {_marker()}\nbuy milk\n".encode()


def javascript_bytes() -> bytes:
    """A Node.js script: libmagic knows it by its interpreter line."""
    return f"#!/usr/bin/env node\nconsole.log('{_marker()}');\n".encode()
