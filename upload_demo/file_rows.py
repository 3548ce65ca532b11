"""The upload panel's one file list: each file selected or sent, with its state.

Reflex sends a selection in one request and reports one progress figure for
it (bytes of the whole multipart body). Each file's share is derived from that
figure and the files' sizes, in the order the browser writes them into the
body: the body is the files one after the other, plus a few hundred bytes of
part headers, so the request's figure scaled by (sum of sizes / body size)
says how far into which file the browser is. One request per file would give
exact figures but would also make a selection no longer one upload (one
attempt, one Cancel, one count and total checked by the guard), which every
page relies on. The server handles a buffered request's files only once all
have arrived, so a file fully sent is "sent" until the whole request is,
then every file is "processing" until the outcomes come.

Pure functions of the State's fields, so the rules are tested without a browser.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from upload_demo.ingest import Outcome
from upload_demo.units import human_bytes


@dataclasses.dataclass
class SelectedFile:
    """A file the browser holds for the next upload: what the list shows of it, no bytes."""

    name: str
    folder: str = ""
    size: int = 0
    type: str = ""


@dataclasses.dataclass
class Rejection:
    """A file the browser refused before sending it, with the reason."""

    name: str
    reason: str
    folder: str = ""


@dataclasses.dataclass
class FileRow:
    """One line of the file list, ready to render."""

    key: str
    name: str
    folder: str
    size_text: str
    #: What the row's icon shows: image, video, audio, document, archive or file.
    icon: str
    #: queued, waiting, sending, sent, processing, stored, repeat or refused.
    state: str
    label: str
    percent: int = 0
    message: str = ""
    #: The stored file a repeat is a copy of, to link to ("" for none).
    duplicate_of: str = ""
    #: The file's place in the browser's selection (its preview, its Remove), or -1.
    slot: int = -1
    #: The refusal's place in the page's list of refusals (its Dismiss), or -1.
    refusal: int = -1


@dataclasses.dataclass(frozen=True)
class Upload:
    """The running or last upload, as the State knows it."""

    status: str
    batch: Sequence[SelectedFile]
    loaded: int
    total: int
    outcomes: Sequence[Outcome]


_ICONS = {"image": "image", "video": "video", "audio": "audio", "document": "document"}
_ARCHIVES = ("zip", "x-tar", "gzip", "x-7z", "x-rar", "x-bzip", "x-xz", "zstd")


def icon_of(kind_or_type: str) -> str:
    """The icon for a stored file's kind ("image") or a browser's MIME type ("image/png")."""
    major, _, minor = kind_or_type.partition("/")
    if major in _ICONS:
        return _ICONS[major]
    if major == "archive" or any(minor.startswith(a) for a in _ARCHIVES):
        return "archive"
    if minor == "pdf" or major == "text":
        return "document"
    return "file"


def sent_per_file(sizes: Sequence[int], loaded: int, total: int) -> list[int]:
    """Bytes of each file the browser has sent, from the request's progress figure."""
    body = sum(sizes)
    if total <= 0 or body <= 0:
        return [0] * len(sizes)
    through = min(body, loaded * body // total)
    sent: list[int] = []
    before = 0
    for size in sizes:
        sent.append(max(0, min(size, through - before)))
        before += size
    return sent


def match_outcomes(
    batch: Sequence[SelectedFile], outcomes: Sequence[Outcome]
) -> list[Outcome | None]:
    """Each sent file's outcome: by name first, then the rest in order.

    Outcomes come in the files' order, but a cancelled streamed upload keeps
    only those stored before the Cancel, so order alone cannot be trusted.
    """
    found: list[Outcome | None] = [None] * len(batch)
    unused = list(range(len(outcomes)))
    for i, file in enumerate(batch):
        for j in unused:
            if outcomes[j].name == file.name:
                found[i] = outcomes[j]
                unused.remove(j)
                break
    if len(outcomes) == len(batch):
        empty = [i for i, outcome in enumerate(found) if outcome is None]
        for i, j in zip(empty, unused, strict=False):
            found[i] = outcomes[j]
    return found


def _file_row(key: str, file: SelectedFile, state: str, label: str, **rest: Any) -> FileRow:
    """A row of a file the browser named (selected or sent), in ``state``."""
    rest.setdefault("icon", icon_of(file.type))
    return FileRow(
        key=key,
        name=file.name,
        folder=file.folder,
        size_text=human_bytes(file.size),
        state=state,
        label=label,
        **rest,
    )


def _outcome_row(key: str, file: SelectedFile, outcome: Outcome) -> FileRow:
    if outcome.stored:
        state, label = "stored", "Stored"
    elif outcome.repeat:
        state, label = "repeat", "Already stored"
    else:
        state, label = "refused", "Refused"
    return _file_row(
        key,
        file,
        state,
        label,
        icon=icon_of(outcome.kind or file.type),
        percent=100,
        message=outcome.message,
        duplicate_of=outcome.duplicate_of,
    )


def _sending_row(key: str, file: SelectedFile, sent: int, slot: int, *, all_sent: bool) -> FileRow:
    percent = sent * 100 // file.size if file.size else 100
    if all_sent:
        state, label = "processing", "Processing on the server"
    elif sent <= 0:
        state, label = "waiting", "Waiting to send"
    elif sent < file.size:
        state, label = "sending", f"Sending {percent}%"
    else:
        state, label = "sent", "Sent"
    return _file_row(key, file, state, label, percent=percent, slot=slot)


def upload_rows(upload: Upload) -> list[FileRow]:
    """The files of the running or last upload.

    While it runs, each file's share of the progress; once done, each outcome.
    A cancelled or failed upload lists only the files that got an outcome: the
    rest are still selected and listed as queued, ready to be sent again.
    """
    if upload.status == "idle":
        return []
    if not upload.batch:
        # The result got here before begin_upload, which names the files: the outcomes do.
        batch = [SelectedFile(o.name, size=o.size) for o in upload.outcomes]
        upload = dataclasses.replace(upload, batch=batch)
    if upload.status == "uploading":
        sent = sent_per_file([f.size for f in upload.batch], upload.loaded, upload.total)
        all_sent = upload.total > 0 and upload.loaded >= upload.total
        return [
            _sending_row(f"sent-{i}", file, sent[i], i, all_sent=all_sent)
            for i, file in enumerate(upload.batch)
        ]
    rows = []
    for i, (file, outcome) in enumerate(
        zip(upload.batch, match_outcomes(upload.batch, upload.outcomes), strict=True)
    ):
        if outcome is not None:
            rows.append(_outcome_row(f"sent-{i}", file, outcome))
        elif upload.status == "done":
            rows.append(
                _file_row(
                    f"sent-{i}",
                    file,
                    "refused",
                    "Not stored",
                    message="the server gave no outcome for this file",
                )
            )
    return rows


def refusal_rows(refusals: Sequence[Rejection], *, dismissable: bool, prefix: str) -> list[FileRow]:
    """Files the browser refused: never sent, each with its reason."""
    return [
        FileRow(
            key=f"{prefix}-{i}",
            name=refusal.name,
            folder=refusal.folder,
            size_text="",
            icon="file",
            state="refused",
            label="Not sent",
            message=refusal.reason,
            refusal=i if dismissable else -1,
        )
        for i, refusal in enumerate(refusals)
    ]


def queued_rows(selected: Sequence[SelectedFile]) -> list[FileRow]:
    """The files selected for the next upload, each removable."""
    return [
        _file_row(f"queued-{i}", file, "queued", "Ready to send", slot=i)
        for i, file in enumerate(selected)
    ]
