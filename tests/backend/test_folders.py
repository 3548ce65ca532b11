"""Files from folders, through the real endpoints: each record keeps the folder it came from.

The names are what browsers send for a folder (react-dropzone's ``file.path``:
``/photos/sub/a.png`` dropped, ``photos/sub/a.png`` picked, ``./a.png`` alone)
and what a hostile client may send instead, on the buffered route (a page's
``handle_upload``), the streamed one (/large) and tus (``relativePath``
metadata). Every check reads the row in the real database.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from tusclient import client as tus_client

from tests import client, samples
from tests.backend import tus_client as raw
from tests.backend.tus_client import pdf_bytes
from tests.backend.uploads import STORED_NAME, rows_by_stored_name, upload, wait_for_row
from tests.db import tag
from upload_demo import folders, tus
from upload_demo.models import StoredFile
from upload_demo.pages.images import ImagesState
from upload_demo.pages.large import LargeState

MiB = 1024 * 1024

#: Hostile names, and the folder each leaves on the multipart routes. Reflex has made each
#: a relative path before the handler sees it (no "..", a drive's path reduced to its
#: name); the app's own rules (folders.py) then drop control and format characters and
#: cap the depth. The name itself is always the base name.
HOSTILE = [
    ("../../etc/passwd", "etc"),
    ("/abs/x.png", "abs"),
    ("C:\\Users\\x\\a.png", ""),
    ("a/../../b/c.png", "a/b"),
    ("ph\x00o/\u202eevil/n.png", "pho/evil"),
    ("/".join(["s" * 300] * 2) + "/long.png", "/".join(["s" * folders.MAX_SEGMENT_LENGTH] * 2)),
    ("d/" * 100 + "deep.png", "/".join(["d"] * folders.MAX_DEPTH)),
]


def _row(stored_name: str) -> StoredFile:
    assert STORED_NAME.match(stored_name), stored_name
    return rows_by_stored_name(stored_name)[stored_name]


def test_a_buffered_page_records_the_folder_of_each_file(backend_url: str) -> None:
    t = tag()
    sent = [
        (f"/photos/sub/dropped-{t}.png", "photos/sub"),
        (f"photos/Ärger/picked-{t}.png", "photos/Ärger"),
        (f"./alone-{t}.png", ""),
    ]
    files = [(name, samples.image_bytes("PNG", seed=i)) for i, (name, _) in enumerate(sent)]
    _, outcomes = upload(backend_url, ImagesState, files)
    assert [o["name"] for o in outcomes] == [
        f"dropped-{t}.png",
        f"picked-{t}.png",
        f"alone-{t}.png",
    ]
    rows = [_row(o["stored_name"]) for o in outcomes]
    assert [row.folder for row in rows] == [folder for _, folder in sent]
    assert rows[1].folder_key == "photos/arger"


def test_hostile_names_on_a_buffered_page_leave_a_clean_folder(backend_url: str) -> None:
    t = tag()
    files = [
        (f"{name[:-4]}-{t}.png" if name.endswith(".png") else f"{name}-{t}", samples.image_bytes())
        for name, _ in HOSTILE
    ]
    response = client.post_raw_upload(backend_url, ImagesState.handle_upload, files)
    assert response.status_code == 200, response.text[:300]
    outcomes = client.outcomes(response, ImagesState)
    assert all(o["stored"] for o in outcomes), outcomes
    got = [_row(o["stored_name"]).folder for o in outcomes]
    assert got == [folder for _, folder in HOSTILE]
    assert outcomes[0]["name"] == f"passwd-{t}"


def test_the_streamed_page_records_the_folder_of_each_file(backend_url: str) -> None:
    t = tag()
    sent = [
        (f"/photos/sub/dropped-{t}.pdf", "photos/sub"),
        (f"../../etc/up-{t}.pdf", "etc"),
        (f"ph\x00o/\u202eevil/odd-{t}.pdf", "pho/evil"),
    ]
    files = [(name, samples.pdf_bytes(f"{t} {i}")) for i, (name, _) in enumerate(sent)]
    response = client.post_streamed(
        backend_url, LargeState.handle_chunks, [(name, [data]) for name, data in files]
    )
    assert response.status_code == 202, response.text[:500]
    rows = [wait_for_row(hashlib.sha256(data).hexdigest()) for _, data in files]
    assert [row.original_name for row in rows] == [
        f"dropped-{t}.pdf",
        f"up-{t}.pdf",
        f"odd-{t}.pdf",
    ]
    assert [row.folder for row in rows] == [folder for _, folder in sent]
    assert all(row.source_page == "large" for row in rows)


def _tus_upload(backend_url: str, data: bytes, metadata: dict[str, str]) -> str:
    """Create an upload with ``metadata`` and send all of it in one PATCH; its URL."""
    created = raw.create(
        backend_url, len(data), **{"Upload-Metadata": tus.encode_metadata(metadata)}
    )
    url = raw.created_url(backend_url, created)
    assert raw.patch(url, 0, data).status_code == 204
    return url


def test_tus_keeps_the_relative_path_of_the_file(backend_url: str, upload_dir: Path) -> None:
    """Sent by tuspy, an independent client, with the path as the page sends it (relativePath)."""
    t = tag()
    data = pdf_bytes(2 * MiB + 7, seed=int(t, 16))
    metadata = {"filename": f"a-{t}.pdf", "relativePath": f"/photos/sub/a-{t}.pdf"}
    uploader = tus_client.TusClient(raw.endpoint(backend_url)).uploader(
        file_stream=io.BytesIO(data), chunk_size=MiB, metadata=metadata
    )
    uploader.upload(stop_at=MiB)
    assert uploader.url is not None
    upload_row = raw.upload_row(uploader.url)
    assert upload_row is not None and not upload_row.finished
    assert upload_row.folder == "photos/sub"
    uploader.upload()
    stored = raw.stored_row(hashlib.sha256(data).hexdigest())
    assert stored is not None
    assert (stored.original_name, stored.folder) == (f"a-{t}.pdf", "photos/sub")
    assert (upload_dir / stored.stored_name).read_bytes() == data


def test_tus_cleans_a_hostile_relative_path(backend_url: str) -> None:
    """The metadata reaches the app as sent (no Reflex in between): only folders.py cleans it."""
    t = tag()
    cases = [
        ("../../etc/passwd", "etc"),
        ("C:\\Users\\x\\a.pdf", "Users/x"),
        ("a/../../b/c.pdf", "a/b"),
        ("ph\x00o/\u202eevil/\x1b[0m/n.pdf", "pho/evil/[0m"),
        ("d/" * 100 + "deep.pdf", "/".join(["d"] * folders.MAX_DEPTH)),
        ("./a.pdf", ""),
    ]
    for i, (relative_path, folder) in enumerate(cases):
        data = pdf_bytes(4096, seed=int(t, 16) + i)
        _tus_upload(
            backend_url, data, {"filename": f"n-{t}-{i}.pdf", "relativePath": relative_path}
        )
        stored = raw.stored_row(hashlib.sha256(data).hexdigest())
        assert stored is not None, relative_path
        assert stored.folder == folder, relative_path


def test_tus_without_a_relative_path_takes_the_folders_of_the_name(backend_url: str) -> None:
    t = tag()
    plain, named = pdf_bytes(2048, seed=int(t, 16)), pdf_bytes(2048, seed=int(t, 16) + 1)
    _tus_upload(backend_url, plain, {"filename": f"plain-{t}.pdf"})
    _tus_upload(backend_url, named, {"filename": f"docs/2024/named-{t}.pdf"})
    found = [raw.stored_row(hashlib.sha256(d).hexdigest()) for d in (plain, named)]
    assert [(r.original_name, r.folder) for r in found if r is not None] == [
        (f"plain-{t}.pdf", ""),
        (f"named-{t}.pdf", "docs/2024"),
    ]
