"""Raw tus requests for the backend tests: what a client, honest or not, can send to /tus/."""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterator

import httpx
import reflex as rx

from upload_demo import tus
from upload_demo.models import ResumableUpload, StoredFile

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

HEADERS = {"Tus-Resumable": tus.VERSION}


def pdf_bytes(size: int, seed: int) -> bytes:
    """A PDF-headed file of random bytes (the resumable page takes any file but markup)."""
    data = random.Random(seed).randbytes(size)
    return PDF_HEAD + data[len(PDF_HEAD) :]


def endpoint(backend_url: str) -> str:
    return f"{backend_url}/tus/"


def create(
    backend_url: str, length: int, name: str = "file.pdf", batch: str = "", **extra: str
) -> httpx.Response:
    metadata = {"filename": name, **({"batch": batch} if batch else {})}
    return httpx.post(
        endpoint(backend_url),
        headers={
            **HEADERS,
            "Upload-Length": str(length),
            "Upload-Metadata": tus.encode_metadata(metadata),
            **extra,
        },
    )


def created_url(backend_url: str, response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return f"{backend_url}{response.headers['location']}"


def patch(
    url: str, offset: int, body: bytes | Iterator[bytes], checksum: str = "", **extra: str
) -> httpx.Response:
    headers = {
        **HEADERS,
        "Upload-Offset": str(offset),
        "Content-Type": tus.PATCH_CONTENT_TYPE,
        **extra,
    }
    if checksum:
        headers["Upload-Checksum"] = checksum
    return httpx.patch(url, headers=headers, content=body, timeout=60)


def sha1_header(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def head(url: str) -> httpx.Response:
    return httpx.head(url, headers=HEADERS)


def upload_row(url: str) -> ResumableUpload | None:
    with rx.session() as session:
        return session.get(ResumableUpload, url.rsplit("/", 1)[-1])


def stored_row(sha256: str) -> StoredFile | None:
    import sqlmodel

    with rx.session() as session:
        return session.exec(sqlmodel.select(StoredFile).where(StoredFile.sha256 == sha256)).first()
