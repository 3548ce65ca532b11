"""A Store in an S3-protocol bucket (AWS S3, Ceph RGW, MinIO, R2 ...) through boto3.

Configured as S3 users expect: ``UPLOAD_DEMO_STORAGE=s3://bucket/prefix``, and
everything else from boto3's own settings, so a profile, an instance role or
the standard variables work unchanged (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` / ``AWS_DEFAULT_REGION``,
``AWS_PROFILE``, ``AWS_ENDPOINT_URL_S3`` for a server that is not AWS). Only
the addressing style has no standard variable: ``UPLOAD_DEMO_S3_ADDRESSING_STYLE``
(``path`` for most self-hosted servers; ``auto`` by default).

A staged file goes up with s3transfer (boto3's transfer manager): a multipart
upload in 8 MiB parts, four in flight, read from the staged file as they are
sent, so memory stays bounded whatever the size; a file under one part is a
single PUT. A failed or stopped transfer aborts its multipart upload, so no
parts are left to pay for. Objects are private (no ACL is ever set): readers
get short-lived presigned URLs (``UPLOAD_DEMO_S3_URL_TTL`` seconds, 300 by
default) from the app's own routes (downloads.py), which check nothing more
than today's ``/_upload`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3.session
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from s3transfer.manager import TransferManager
from s3transfer.subscribers import BaseSubscriber

from upload_demo import leases, storage
from upload_demo.leases import Lease
from upload_demo.stores import Cancelled

ADDRESSING_SETTING = "UPLOAD_DEMO_S3_ADDRESSING_STYLE"
URL_TTL_SETTING = "UPLOAD_DEMO_S3_URL_TTL"

#: Part size and parts in flight: 32 MiB of buffers at most per file being published.
PART_SIZE = 8 * 1024 * 1024
PARTS_IN_FLIGHT = 4

TRANSFER = TransferConfig(
    multipart_threshold=PART_SIZE,
    multipart_chunksize=PART_SIZE,
    max_concurrency=PARTS_IN_FLIGHT,
)

#: How often a publish looks at its stop flag and its lease while parts go up.
POLL_S = 0.2

#: Our object names (storage.new_name, media.preview_name): nothing else is presigned.
STORED_NAME = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]+){1,2}")


class NotABucketURL(ValueError):
    """The storage setting is not ``s3://bucket[/prefix]``."""


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` as (bucket, "some/prefix/"); the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise NotABucketURL(f"expected s3://bucket/prefix, got {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


@dataclasses.dataclass(frozen=True)
class StoredObject:
    """An object under the prefix, as a listing shows it."""

    name: str
    size: int
    modified: datetime.datetime


@dataclasses.dataclass(frozen=True)
class PartialUpload:
    """A multipart upload that was started and neither completed nor aborted."""

    name: str
    upload_id: str
    initiated: datetime.datetime


class _Done(BaseSubscriber):
    """Sets an Event when a transfer ends, whichever way it ends."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self.event.set()


class BucketStore:
    """Stored files as private objects named ``prefix + stored name``."""

    def __init__(self, url: str, staging_dir: Path) -> None:
        self.url = url
        self.bucket, self.prefix = parse_url(url)
        self._staging_dir = staging_dir
        self.url_ttl = int(os.environ.get(URL_TTL_SETTING, "300"))
        config = botocore.config.Config(
            s3={"addressing_style": os.environ.get(ADDRESSING_SETTING, "auto")},
            # Presigned URLs in SigV4, which every AWS region accepts (boto3 still defaults
            # to SigV2 query strings for S3).
            signature_version="s3v4",
            retries={"mode": "standard", "max_attempts": 5},
            # The ingest pool's threads, each with its parts in flight.
            max_pool_connections=32,
        )
        self.client: Any = boto3.session.Session().client("s3", config=config)

    @property
    def staging_dir(self) -> Path:
        """Local disk: the checks and media work read the staged file, not the bucket."""
        return self._staging_dir

    def describe(self) -> str:
        """The bucket URL and the server's endpoint."""
        return f"bucket {self.url} at {self.client.meta.endpoint_url}"

    def key(self, name: str) -> str:
        """The object key of a stored name."""
        return f"{self.prefix}{name}"

    def claim(self, names: tuple[str, ...]) -> contextlib.AbstractContextManager[Lease]:
        """A database lease on ``names`` until the record is committed (see leases.py)."""
        return leases.held(names)

    def publish(
        self,
        staged: storage.Staged,
        content_type: str,
        lease: Lease | None,
        stop: threading.Event | None = None,
    ) -> None:
        """Send the staged file; renew the lease while it goes; abort it all if stopped.

        Raising leaves nothing: leaving the manager's block with an error cancels
        the transfer and aborts its multipart upload, and an object the transfer
        completed at that very moment is deleted.
        """
        key = self.key(staged.name)
        done = threading.Event()
        try:
            with TransferManager(self.client, TRANSFER) as manager:
                future = manager.upload(
                    str(staged.path),
                    self.bucket,
                    key,
                    extra_args={"ContentType": content_type},
                    subscribers=[_Done(done)],
                )
                while True:
                    if stop is not None and stop.is_set():
                        raise Cancelled(staged.name)
                    if lease is not None and lease.due():
                        leases.renew(lease)
                    if done.wait(POLL_S):
                        break
                future.result()
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.delete_object(Bucket=self.bucket, Key=key)
            raise

    def delete(self, name: str) -> None:
        """Delete the object (S3 answers success for a missing key too)."""
        if not STORED_NAME.fullmatch(name):
            raise ValueError(f"not a stored file name: {name!r}")
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def exists(self, name: str) -> bool:
        """Whether the object is there (a HEAD request)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def url_for(self, name: str, *, content_type: str = "", download_as: str = "") -> str:
        """A presigned GET URL, valid for ``url_ttl`` seconds, with the headers to answer with."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self.key(name)}
        if content_type:
            params["ResponseContentType"] = content_type
        if download_as:
            params["ResponseContentDisposition"] = download_as
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.url_ttl
        )

    def objects(self) -> Iterator[StoredObject]:
        """Every object directly under the prefix."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if name and "/" not in name:
                    yield StoredObject(name, int(item["Size"]), item["LastModified"])

    def partial_uploads(self) -> Iterator[PartialUpload]:
        """Multipart uploads under the prefix that were neither completed nor aborted."""
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Uploads", []):
                name = item["Key"][len(self.prefix) :]
                yield PartialUpload(name, item["UploadId"], item["Initiated"])

    def abort(self, upload: PartialUpload) -> None:
        """Abort a multipart upload: its parts are freed."""
        self.client.abort_multipart_upload(
            Bucket=self.bucket, Key=self.key(upload.name), UploadId=upload.upload_id
        )
