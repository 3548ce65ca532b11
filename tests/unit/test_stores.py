"""Which Store the settings choose, and how a bucket URL is read (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx

from upload_demo import stores
from upload_demo.bucket import STORED_NAME, NotABucketURL, parse_url
from upload_demo.media import POSTER_SUFFIX, THUMB_SUFFIX
from upload_demo.storage import new_name


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://files", ("files", "")),
        ("s3://files/", ("files", "")),
        ("s3://files/team/uploads", ("files", "team/uploads/")),
        ("s3://files/team/uploads/", ("files", "team/uploads/")),
    ],
)
def test_a_bucket_url_names_the_bucket_and_a_prefix(url: str, expected: tuple[str, str]) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url", ["files", "https://files/x", "s3:///x", "s3://files/x?acl=public", "/var/files"]
)
def test_anything_else_is_refused_with_the_expected_form(url: str) -> None:
    with pytest.raises(NotABucketURL, match="expected s3://bucket/prefix"):
        parse_url(url)


def test_without_a_setting_files_stay_in_the_upload_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(stores.STORAGE_SETTING, raising=False)
    stores.configured.cache_clear()
    try:
        store = stores.configured()
        assert isinstance(store, stores.LocalStore)
        assert store.staging_dir == store.directory == Path(rx.get_upload_dir())
        assert not stores.in_bucket()
    finally:
        stores.configured.cache_clear()


def test_only_our_own_names_are_presigned() -> None:
    stem = new_name(".png")
    for name in (stem, stem.replace(".png", THUMB_SUFFIX), stem.replace(".png", POSTER_SUFFIX)):
        assert STORED_NAME.fullmatch(name), name
    for name in ("../x.png", "x.png", f"{stem}/x", f"a{stem}", stem.upper(), ""):
        assert not STORED_NAME.fullmatch(name), name
