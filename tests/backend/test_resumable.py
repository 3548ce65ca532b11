"""/tus/ through the real app: tuspy as an independent client, then raw hostile requests.

Every check reads the real database and upload dir: the upload's row, its
partial file, the stored file and its record.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import reflex as rx
import sqlalchemy
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader.uploader import Uploader

from tests.backend import tus_client as raw
from upload_demo import policy, resumable, tus
from upload_demo.models import ResumableUpload

MiB = 1024 * 1024


def partial_file(upload_dir: Path, url: str) -> Path:
    return resumable.partial_path(upload_dir, url.rsplit("/", 1)[-1])


def tuspy_uploader(backend_url: str, data: bytes, name: str, **options: Any) -> Uploader:
    client = tus_client.TusClient(raw.endpoint(backend_url))
    return client.uploader(
        file_stream=io.BytesIO(data), chunk_size=MiB, metadata={"filename": name}, **options
    )


def test_options_say_what_the_server_speaks(backend_url: str) -> None:
    response = httpx.options(raw.endpoint(backend_url))
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "termination",
        "expiration",
        "checksum",
    }
    assert int(response.headers["tus-max-size"]) == policy.RESUMABLE.max_file_size
    assert "sha1" in response.headers["tus-checksum-algorithm"]


def test_tuspy_uploads_a_file_that_is_stored_once_with_its_hash(
    backend_url: str, upload_dir: Path
) -> None:
    data = raw.pdf_bytes(3 * MiB + 123, seed=1)
    uploader = tuspy_uploader(backend_url, data, "tuspy whole.pdf", upload_checksum=True)
    uploader.upload()
    url = uploader.url
    assert url is not None
    row = raw.upload_row(url)
    assert row is not None and row.finished and row.stored, row
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None
    assert stored.original_name == "tuspy whole.pdf"
    assert stored.source_page == "resumable"
    assert (upload_dir / stored.stored_name).read_bytes() == data
    assert not partial_file(upload_dir, url).exists()
    assert raw.head(url).headers["upload-offset"] == str(len(data))


def test_tuspy_resumes_from_where_the_server_stopped(backend_url: str, upload_dir: Path) -> None:
    data = raw.pdf_bytes(4 * MiB, seed=2)
    first = tuspy_uploader(backend_url, data, "tuspy resumed.pdf")
    first.upload(stop_at=2 * MiB)
    url = first.url
    assert url is not None
    row = raw.upload_row(url)
    assert row is not None and row.received == 2 * MiB and not row.finished
    assert partial_file(upload_dir, url).stat().st_size == 2 * MiB

    # A new client, as after a restart: it asks the server for the offset and sends the rest.
    second = tuspy_uploader(backend_url, data, "tuspy resumed.pdf", url=url)
    assert second.offset == 2 * MiB
    second.upload()
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None and (upload_dir / stored.stored_name).read_bytes() == data


def test_tuspy_terminates_and_nothing_is_left(backend_url: str, upload_dir: Path) -> None:
    data = raw.pdf_bytes(3 * MiB, seed=3)
    uploader = tuspy_uploader(backend_url, data, "tuspy terminated.pdf")
    uploader.upload(stop_at=MiB)
    url = uploader.url
    assert url is not None and partial_file(upload_dir, url).exists()
    response = httpx.delete(url, headers=raw.HEADERS)
    assert response.status_code == 204
    assert raw.upload_row(url) is None
    assert not partial_file(upload_dir, url).exists()
    assert raw.head(url).status_code == 404
    assert raw.stored_row(hashlib.sha256(data).hexdigest()) is None


def test_a_patch_at_the_wrong_offset_is_refused_409(backend_url: str) -> None:
    data = raw.pdf_bytes(2 * MiB, seed=4)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data)))
    assert raw.patch(url, 0, data[:MiB]).status_code == 204
    for wrong in (0, MiB - 1, MiB + 1):
        response = raw.patch(url, wrong, data[wrong : wrong + 1000])
        assert response.status_code == 409, wrong
    row = raw.upload_row(url)
    assert row is not None and row.received == MiB


def test_creation_over_the_policy_is_refused_413_with_the_reason(backend_url: str) -> None:
    too_big = raw.create(backend_url, policy.RESUMABLE.max_file_size + 1)
    assert too_big.status_code == 413
    assert "the limit is 8 GB per file" in too_big.json()["detail"]

    batch = "batch-over-count"
    for _ in range(policy.RESUMABLE.max_files):
        assert raw.create(backend_url, 1000, batch=batch).status_code == 201
    one_more = raw.create(backend_url, 1000, batch=batch)
    assert one_more.status_code == 413
    assert "too many files" in one_more.json()["detail"]

    each, total = policy.RESUMABLE.max_file_size, policy.RESUMABLE.max_total_size
    big = "batch-over-total"
    for _ in range(total // each):
        assert raw.create(backend_url, each, batch=big).status_code == 201
    over = raw.create(backend_url, total % each + 1, batch=big)
    assert over.status_code == 413
    assert "total limit" in over.json()["detail"]

    empty = raw.create(backend_url, 0)
    assert empty.status_code == 400
    assert "empty" in empty.json()["detail"]


# The slashes escaped: a client would resolve "../" itself, and never ask /tus/ at all.
@pytest.mark.parametrize("upload_id", ["0" * 32, "..%2F..%2Fetc%2Fpasswd", "x", "A" * 32])
def test_an_unknown_upload_is_404(backend_url: str, upload_id: str) -> None:
    url = f"{raw.endpoint(backend_url)}{upload_id}"
    assert raw.head(url).status_code == 404
    assert raw.patch(url, 0, b"x").status_code == 404
    assert httpx.delete(url, headers=raw.HEADERS).status_code == 404


def test_protocol_errors(backend_url: str) -> None:
    url = raw.created_url(backend_url, raw.create(backend_url, 5000))
    no_version = httpx.head(url)
    assert no_version.status_code == 412
    wrong_type = raw.patch(url, 0, b"x", **{"Content-Type": "application/octet-stream"})
    assert wrong_type.status_code == 415
    past_end = raw.patch(url, 0, raw.PDF_HEAD + b"x" * 6000)
    assert past_end.status_code == 413
    no_length = httpx.post(raw.endpoint(backend_url), headers=raw.HEADERS)
    assert no_length.status_code == 400
    bad_metadata = raw.create(backend_url, 10, **{"Upload-Metadata": "filename !!!"})
    assert bad_metadata.status_code == 400


def test_a_checksum_mismatch_is_460_and_none_of_the_body_counts(backend_url: str) -> None:
    data = raw.pdf_bytes(MiB, seed=5)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data)))
    wrong = raw.patch(url, 0, data[:4096], checksum=raw.sha1_header(b"something else"))
    assert wrong.status_code == tus.CHECKSUM_MISMATCH
    row = raw.upload_row(url)
    assert row is not None and row.received == 0
    right = raw.patch(url, 0, data, checksum=raw.sha1_header(data))
    assert right.status_code == 204
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None


def test_active_content_is_refused_once_its_head_is_in(backend_url: str, upload_dir: Path) -> None:
    page = b"<!DOCTYPE html><html><script>alert(1)</script>" + b" " * 100_000
    url = raw.created_url(backend_url, raw.create(backend_url, len(page), name="x.pdf"))
    response = raw.patch(url, 0, page)
    assert response.status_code == 415
    assert "HTML" in response.json()["detail"]
    assert raw.upload_row(url) is None
    assert not partial_file(upload_dir, url).exists()


def _slow_body(data: bytes, started: threading.Event, release: threading.Event) -> Iterator[bytes]:
    yield data[: len(data) // 2]
    started.set()
    release.wait(20)
    yield data[len(data) // 2 :]


def test_two_patches_racing_on_one_upload(backend_url: str, upload_dir: Path) -> None:
    data = raw.pdf_bytes(2 * MiB, seed=6)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data)))
    started, release = threading.Event(), threading.Event()
    first: list[httpx.Response] = []
    sender = threading.Thread(
        target=lambda: first.append(raw.patch(url, 0, _slow_body(data, started, release)))
    )
    sender.start()
    try:
        assert started.wait(20)
        # The first PATCH holds the lock once its first bytes are written.
        deadline = time.monotonic() + 20
        while partial_file(upload_dir, url).stat().st_size == 0:
            assert time.monotonic() < deadline, "the first PATCH wrote nothing"
            time.sleep(0.02)
        second = raw.patch(url, 0, data)
        # The first holds the upload's lock: the second is told so (tus-js-client retries 423).
        assert second.status_code == 423, second.text
    finally:
        release.set()
        sender.join(30)
    assert first[0].status_code == 204
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None and (upload_dir / stored.stored_name).read_bytes() == data


def test_an_expired_upload_is_gone_and_maintenance_removes_it(
    backend_url: str, upload_dir: Path
) -> None:
    data = raw.pdf_bytes(MiB, seed=7)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data)))
    assert raw.patch(url, 0, data[:1000]).status_code == 204
    upload_id = url.rsplit("/", 1)[-1]
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    with rx.session() as session:
        session.exec(
            sqlalchemy.update(ResumableUpload)
            .where(sqlalchemy.column("id") == upload_id)
            .values(expires_at=past)
        )
        session.commit()
    assert raw.head(url).status_code == 410
    assert raw.patch(url, 1000, data[1000:]).status_code == 410
    assert upload_id in [u.id for u in resumable.expired_uploads()]
    # What maintenance would remove; the session's later checks must find it clean.
    assert resumable.forget(upload_dir, upload_id)
    assert not partial_file(upload_dir, url).exists()


def test_a_broken_off_patch_keeps_what_arrived(backend_url: str, upload_dir: Path) -> None:
    """The client goes away mid-body: what came is confirmed; the next PATCH starts past 0."""
    data = raw.pdf_bytes(6 * MiB, seed=8)
    url = raw.created_url(backend_url, raw.create(backend_url, len(data)))

    def cut_off() -> Iterator[bytes]:
        yield data[: 3 * MiB]
        time.sleep(0.5)
        raise RuntimeError("cable pulled")

    with pytest.raises((httpx.HTTPError, RuntimeError)):
        raw.patch(url, 0, cut_off())
    deadline = time.monotonic() + 10
    offset = 0
    while time.monotonic() < deadline and offset == 0:
        offset = int(raw.head(url).headers["upload-offset"])
        time.sleep(0.05)
    assert 0 < offset <= 3 * MiB
    assert raw.patch(url, offset, data[offset:]).status_code == 204
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None and (upload_dir / stored.stored_name).read_bytes() == data


def test_tuspy_errors_on_a_terminated_upload(backend_url: str) -> None:
    data = raw.pdf_bytes(2 * MiB, seed=9)
    uploader = tuspy_uploader(backend_url, data, "gone.pdf")
    uploader.upload(stop_at=MiB)
    assert uploader.url is not None
    httpx.delete(uploader.url, headers=raw.HEADERS)
    with pytest.raises(TusCommunicationError):
        uploader.upload()
