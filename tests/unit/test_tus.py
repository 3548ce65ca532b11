"""The tus headers: what a client may send, and what each mistake is answered with."""

from __future__ import annotations

import base64
import datetime
import hashlib

import pytest

from upload_demo import tus
from upload_demo.tus import TusError


def test_metadata_round_trips_unicode_and_empty_values() -> None:
    pairs = {"filename": "Äpfel und Birnen.pdf", "filetype": "application/pdf", "batch": ""}
    encoded = tus.encode_metadata(pairs)
    assert tus.parse_metadata(encoded) == pairs
    assert tus.parse_metadata("flag") == {"flag": ""}
    assert tus.parse_metadata(None) == {} == tus.parse_metadata("  ")


@pytest.mark.parametrize(
    "header",
    ["filename !!!", "a YQ==,a YQ==", "a b c", "name /w==", "ключ YQ=="],
)
def test_malformed_metadata_is_400(header: str) -> None:
    with pytest.raises(TusError) as caught:
        tus.parse_metadata(header)
    assert caught.value.status == 400


@pytest.mark.parametrize("value", ["-1", "1.5", "", " 3", "0x10", "1" * 20, "١٢"])
def test_offsets_and_lengths_are_plain_non_negative_integers(value: str) -> None:
    with pytest.raises(TusError) as caught:
        tus.parse_offset(value)
    assert caught.value.status == 400


def test_a_length_is_required_and_an_offset_too() -> None:
    assert tus.parse_length("0") == 0
    assert tus.parse_offset("12345") == 12345
    for parse in (tus.parse_length, tus.parse_offset):
        with pytest.raises(TusError):
            parse(None)


def test_checksums_name_a_supported_algorithm_and_base64() -> None:
    digest = hashlib.sha1(b"abc").digest()
    checksum = tus.parse_checksum(f"sha1 {base64.b64encode(digest).decode()}")
    assert checksum is not None
    hasher = checksum.hasher()
    hasher.update(b"abc")
    assert checksum.matches(hasher)
    assert not checksum.matches(None)
    assert tus.parse_checksum(None) is None
    for bad in ("crc32 AAAA", "sha1", "sha1 !!!", "sha1 a b"):
        with pytest.raises(TusError) as caught:
            tus.parse_checksum(bad)
        assert caught.value.status == 400


def test_the_version_is_checked() -> None:
    tus.check_version({"tus-resumable": "1.0.0"})
    for headers in ({}, {"tus-resumable": "0.2.2"}):
        with pytest.raises(TusError) as caught:
            tus.check_version(headers)
        assert caught.value.status == 412


def test_expiry_dates_are_http_dates_in_gmt() -> None:
    moment = datetime.datetime(2026, 12, 2, 18, 5, 9, tzinfo=datetime.UTC)
    assert tus.http_date(moment) == "Wed, 02 Dec 2026 18:05:09 GMT"
