"""GET /download/{id} on the running app: the stored bytes under the original name.

Files go in through the real upload endpoint (a multipart POST, as a script
would send it); the download's Content-Disposition is read back by the grammar
of RFC 8187 / RFC 9110 (the browser's view is checked in tests/e2e/test_library.py).
"""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import reflex as rx
import sqlmodel

from tests import client, samples
from upload_demo import downloads
from upload_demo.models import StoredFile
from upload_demo.pages.restricted import RestrictedState

#: RFC 8187 ext-value for UTF-8: only attr-chars and %XX escapes may appear.
_EXT_VALUE = re.compile(r"filename\*=UTF-8''((?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-F]{2})+)$")
#: RFC 9110 quoted-string without escapes (a safe fallback needs none).
_QUOTED = re.compile(r'^attachment; filename="([\x20\x21\x23-\x5b\x5d-\x7e]*)"; ')


def parsed_filename(header: str) -> str:
    """The RFC 8187 ``filename*`` value, decoded strictly as UTF-8 (what browsers use)."""
    match = _EXT_VALUE.search(header)
    assert match, header
    return unquote(match.group(1), encoding="utf-8", errors="strict")


def ascii_filename(header: str) -> str:
    """The plain ``filename="..."`` parameter, as a client without RFC 8187 sees it."""
    match = _QUOTED.match(header)
    assert match, header
    return match.group(1)


def upload_one(backend_url: str, name: str, data: bytes) -> StoredFile:
    # Sent byte for byte: httpx (like a browser) would percent-escape the quotes.
    response = client.post_raw_upload(backend_url, RestrictedState.handle_upload, [(name, data)])
    assert response.status_code == 200, response.text[:300]
    (outcome,) = client.outcomes(response, RestrictedState)
    assert outcome["stored"], outcome
    with rx.session() as session:
        query = sqlmodel.select(StoredFile).where(StoredFile.stored_name == outcome["stored_name"])
        row = session.exec(query).one()
        session.expunge(row)
    return row


def unique_png() -> bytes:
    return samples.noisy_png(300, seed=random.getrandbits(64))


@pytest.mark.parametrize(
    "name",
    [
        "plain-report.png",
        'say "cheese".png',
        "Résumé – naïve ☃ 東京.png",
        "semi;colon, comma='x'.png",
        "100% done.png",
    ],
)
def test_download_carries_the_original_name(backend_url: str, name: str) -> None:
    marker = uuid.uuid4().hex[:6]
    original = name.replace(".png", f" {marker}.png")
    data = unique_png()
    row = upload_one(backend_url, original, data)

    response = httpx.get(f"{backend_url}/download/{row.id}", timeout=30)

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert parsed_filename(disposition) == original
    fallback = ascii_filename(disposition)
    assert fallback.isascii()
    assert fallback.endswith(".png")
    assert '"' not in fallback
    # The header itself is plain ASCII: HTTP gives no meaning to other bytes.
    assert disposition.isascii()


def test_download_keeps_the_recorded_type(backend_url: str) -> None:
    row = upload_one(backend_url, f"page {uuid.uuid4().hex[:6]}.html", samples.html_bytes("hi"))
    response = httpx.get(f"{backend_url}/download/{row.id}", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # An attachment is saved, never rendered on the backend's origin.
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unknown_ids_are_404(backend_url: str) -> None:
    with rx.session() as session:
        highest = session.exec(sqlmodel.select(sqlmodel.func.max(StoredFile.id))).one() or 0
    for path in (f"/download/{highest + 1000}", "/download/0", "/download/-1", "/download/x"):
        response = httpx.get(f"{backend_url}{path}", timeout=30)
        assert response.status_code == 404, path
        assert "content-disposition" not in response.headers


def test_a_record_whose_file_is_gone_is_404(backend_url: str, upload_dir: Path) -> None:
    row = upload_one(backend_url, f"vanishing {uuid.uuid4().hex[:6]}.png", unique_png())
    (upload_dir / row.stored_name).unlink()
    try:
        response = httpx.get(f"{backend_url}/download/{row.id}", timeout=30)
        assert response.status_code == 404
    finally:
        with rx.session() as session:
            stored = session.get(StoredFile, row.id)
            if stored is not None:
                session.delete(stored)
                session.commit()
        if row.preview_name:
            (upload_dir / row.preview_name).unlink(missing_ok=True)


# --- the header on its own ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("report.pdf", "report.pdf"),
        ('a "quoted" name.pdf', "a _quoted_ name.pdf"),
        ("back\\slash/and.pdf", "back_slash_and.pdf"),
        ("Résumé.pdf", "Resume.pdf"),
        ("東京.pdf", "download.bin"),
        ("..hidden.pdf", "hidden.pdf"),
        ("☃", "download.bin"),
    ],
)
def test_content_disposition(name: str, fallback: str) -> None:
    header = downloads.content_disposition(name, default="download.bin")
    assert header.isascii()
    assert "\r" not in header and "\n" not in header
    assert parsed_filename(header) == name
    assert ascii_filename(header) == fallback


def test_content_disposition_drops_line_breaks_and_controls() -> None:
    header = downloads.content_disposition("evil\r\nSet-Cookie: x=1\x00.pdf", default="d.bin")
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    assert parsed_filename(header) == "evilSet-Cookie: x=1.pdf"
    empty = downloads.content_disposition("\n\t", default="d.bin")
    assert parsed_filename(empty) == "d.bin"
