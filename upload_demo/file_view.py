"""What a page shows of a stored file: display strings made once, on the server."""

from __future__ import annotations

import dataclasses

from upload_demo import signing, stores
from upload_demo.models import StoredFile
from upload_demo.units import human_bytes, human_duration


@dataclasses.dataclass
class FileView:
    """A StoredFile ready for display."""

    id: int
    name: str
    stored_name: str
    kind: str
    content_type: str
    size_text: str
    uploaded_text: str
    dimensions_text: str
    sha_short: str
    page: str
    codec: str = ""
    #: Thumbnail (images) or poster frame (videos) beside the file; "" when there is none.
    preview_name: str = ""
    #: Backend paths with a signature (signing.py), so they open without a session too.
    file_path: str = ""
    preview_path: str = ""
    download_path: str = ""
    #: Who uploaded it (an account name, "anonymous", "unknown") and through which link.
    uploaded_by: str = ""
    drop_link_label: str = ""
    #: The folder it came from ("photos/sub"), shown before the name; "" for none.
    folder: str = ""


def stored_path(stored_name: str) -> str:
    """A stored file's signed path on the backend: the upload dir's, or the bucket route's."""
    route = "files" if stores.in_bucket() else "_upload"
    return signing.sign(f"{route}/{stored_name}")


def from_record(record: StoredFile, drop_link_label: str = "") -> FileView:
    """Format a row for the page: sizes in human units, time in UTC, short hash."""
    parts = []
    if record.width and record.height:
        parts.append(f"{record.width} × {record.height}")
    if record.duration:
        # Tenths matter for short clips; minutes read better for long ones.
        seconds = record.duration
        parts.append(f"{seconds:.1f} s" if seconds < 60 else human_duration(seconds))
    if record.codec:
        parts.append(record.codec)
    dimensions = " · ".join(parts)
    return FileView(
        id=record.id or 0,
        name=record.original_name,
        stored_name=record.stored_name,
        kind=record.kind,
        content_type=record.content_type,
        size_text=human_bytes(record.size),
        uploaded_text=record.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        dimensions_text=dimensions,
        sha_short=record.sha256[:12],
        page=record.source_page,
        codec=record.codec or "",
        preview_name=record.preview_name or "",
        file_path=stored_path(record.stored_name),
        preview_path=stored_path(record.preview_name) if record.preview_name else "",
        download_path=signing.sign(f"download/{record.id}"),
        uploaded_by=record.uploaded_by,
        drop_link_label=drop_link_label,
        folder=record.folder,
    )
