"""A prefix of the services' bucket for one app under test, emptied afterwards."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

from tests.db import tag
from upload_demo.bucket import BucketStore
from upload_demo.stores import STORAGE_SETTING

#: Set by ``make services`` (tests/services/ceph.py): the bucket the scale tests store in.
BUCKET_VARIABLE = "UPLOAD_DEMO_TEST_S3_BUCKET"


@dataclasses.dataclass(frozen=True)
class BucketPrefix:
    """Where an app stores (``env``), and a BucketStore to look into the same prefix."""

    store: BucketStore
    env: dict[str, str]


@contextlib.contextmanager
def bucket_prefix(workdir: Path, name: str) -> Iterator[BucketPrefix]:
    """A fresh prefix ``name-<tag>`` with a staging dir in ``workdir``; emptied at the end."""
    staging = workdir / "staging"
    staging.mkdir()
    url = f"s3://{os.environ[BUCKET_VARIABLE]}/{name}-{tag()}"
    store = BucketStore(url, staging)
    try:
        yield BucketPrefix(store, {STORAGE_SETTING: url, "REFLEX_UPLOADED_FILES_DIR": str(staging)})
    finally:
        for upload in store.partial_uploads():
            store.abort(upload)
        for stored in store.objects():
            store.delete(stored.name)
