"""The tus 1.0 protocol's words: its headers, their parsing, its errors. No I/O.

tus (tus.io) is HTTP plus a few headers: ``POST`` creates an upload of a
declared ``Upload-Length``, ``HEAD`` asks how many bytes the server has,
``PATCH`` sends bytes from that ``Upload-Offset``, ``DELETE`` ends it. This
server speaks core, creation, termination, expiration and checksum; tus_app.py
applies it to requests, resumable.py keeps the uploads.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import email.utils
import hashlib
from typing import Protocol

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"

#: Checksum algorithms a PATCH may name in ``Upload-Checksum`` (the spec requires sha1).
CHECKSUMS = ("sha1", "sha256", "md5")

#: The body type every PATCH must carry.
PATCH_CONTENT_TYPE = "application/offset+octet-stream"

#: What a browser on another origin may read of our answers (CORS hides the rest).
EXPOSED_HEADERS = (
    "Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, "
    "Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm"
)

#: The status for a failed checksum (tus checksum extension; not an IANA code).
CHECKSUM_MISMATCH = 460


class TusError(Exception):
    """A request the protocol refuses: its status and a reason for the person uploading."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclasses.dataclass
class Response:
    """An answer to a tus request: its status, headers, and a reason for a person (or none)."""

    status: int
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: str = ""


class Hash(Protocol):
    """What a checksum needs of a hashlib object."""

    def update(self, data: bytes, /) -> None:
        """Add bytes."""
        ...

    def digest(self) -> bytes:
        """The digest so far."""
        ...

    def hexdigest(self) -> str:
        """The digest so far, in hex."""
        ...


@dataclasses.dataclass
class Checksum:
    """A PATCH's ``Upload-Checksum``: the digest its body must have."""

    algorithm: str
    expected: bytes

    def hasher(self) -> Hash:
        """A fresh hash object of the named algorithm."""
        return hashlib.new(self.algorithm)

    def matches(self, digest: Hash | None) -> bool:
        """Whether the bytes fed to ``digest`` (made by ``hasher``) are the expected ones."""
        return digest is not None and digest.digest() == self.expected


def check_version(headers: dict[str, str]) -> None:
    """Every request but OPTIONS names the protocol version it speaks (412 otherwise)."""
    if headers.get("tus-resumable") != VERSION:
        raise TusError(412, f"this server speaks tus {VERSION} (Tus-Resumable header)")


def parse_length(value: str | None) -> int:
    """``Upload-Length``: required at creation (deferred lengths are not offered)."""
    if value is None:
        raise TusError(400, "Upload-Length is required (deferred lengths are not supported)")
    return _non_negative("Upload-Length", value)


def parse_offset(value: str | None) -> int:
    """``Upload-Offset`` of a PATCH."""
    if value is None:
        raise TusError(400, "Upload-Offset is required")
    return _non_negative("Upload-Offset", value)


def parse_content_length(value: str | None) -> int | None:
    """A request's declared body length, if it declares one."""
    return None if value is None else _non_negative("Content-Length", value)


def _non_negative(name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise TusError(400, f"{name} must be a non-negative integer")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs, the value optional."""
    pairs: dict[str, str] = {}
    if not value or not value.strip():
        return pairs
    for item in value.split(","):
        parts = item.strip().split(" ")
        key = parts[0]
        if not key or not key.isascii() or len(parts) > 2 or key in pairs:
            raise TusError(400, "Upload-Metadata is malformed")
        try:
            decoded = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            pairs[key] = decoded.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, f"Upload-Metadata {key!r} is not base64 of UTF-8") from None
    return pairs


def encode_metadata(pairs: dict[str, str]) -> str:
    """The ``Upload-Metadata`` header for ``pairs`` (what a client sends)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items()
    )


def parse_checksum(value: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``, if the PATCH carries one."""
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2:
        raise TusError(400, "Upload-Checksum is malformed")
    algorithm, encoded = parts[0].lower(), parts[1]
    if algorithm not in CHECKSUMS:
        raise TusError(400, f"unsupported checksum algorithm {algorithm!r}")
    try:
        expected = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise TusError(400, "Upload-Checksum is not base64") from None
    return Checksum(algorithm, expected)


def http_date(moment: datetime.datetime) -> str:
    """An RFC 9110 date, as ``Upload-Expires`` carries it."""
    return email.utils.format_datetime(moment.astimezone(datetime.UTC), usegmt=True)


def option_headers(max_size: int) -> dict[str, str]:
    """What ``OPTIONS`` says this server supports."""
    return {
        "Tus-Version": VERSION,
        "Tus-Extension": EXTENSIONS,
        "Tus-Max-Size": str(max_size),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
    }
