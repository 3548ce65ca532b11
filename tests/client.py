"""A hostile client: POSTs multipart straight to the app's upload endpoint.

This is what any script can do, bypassing every check the browser makes,
so the backend tests use it to prove the server enforces the policy itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import httpx

from upload_demo import reflex_internals

#: The form field Reflex reads a handler's bound arguments from (before any file).
UPLOAD_EVENT_ARGS_FIELD = "__reflex_event_args"


def handler_name(handler: Any) -> str:
    """The ``Reflex-Event-Handler`` header value for a State's event handler (or a raw name)."""
    return handler if isinstance(handler, str) else reflex_internals.handler_name(handler)


def post_upload(
    backend_url: str,
    handler: Any,
    files: list[tuple[str, bytes]],
    *,
    token: str | None = None,
    field: str = "files",
    timeout: float = 60,
) -> httpx.Response:
    """POST ``files`` (name, bytes) to the upload endpoint as one multipart request."""
    headers = {
        "Reflex-Client-Token": token or str(uuid.uuid4()),
        "Reflex-Event-Handler": handler_name(handler),
    }
    parts = [(field, (name, data, "application/octet-stream")) for name, data in files]
    return httpx.post(f"{backend_url}/_upload", headers=headers, files=parts, timeout=timeout)


def state_updates(response: httpx.Response) -> dict[str, Any]:
    """Merge the state deltas the endpoint streams back (one JSON object per line)."""
    merged: dict[str, Any] = {}
    for line in response.text.splitlines():
        if not line.strip():
            continue
        update = json.loads(line)
        for substate in (update.get("delta") or {}).values():
            merged.update(substate)
    return merged


def outcomes(response: httpx.Response, state: Any = None) -> list[dict[str, Any]]:
    """The per-file outcomes the handler reported, in order.

    With ``state`` (a State class), only that State's outcomes count: the first
    delta of a new client token carries every page's (empty) outcomes too.
    """
    if state is None:
        merged = state_updates(response)
    else:
        merged = {}
        full_name = state.get_full_name()
        for line in response.text.splitlines():
            if line.strip():
                merged.update((json.loads(line).get("delta") or {}).get(full_name) or {})
    for key, value in merged.items():
        if key.split("_rx_state_")[0] == "outcomes":
            return value
    raise AssertionError(f"no outcomes in response: {response.text[:500]}")


def multipart_body(
    files: Sequence[tuple[str | bytes, bytes]], *, field: str = "files"
) -> tuple[bytes, str]:
    """A multipart body built by hand: file names go on the wire byte for byte.

    httpx percent-escapes control characters in names; a hostile client need
    not, so this sends NUL, other control bytes and raw UTF-8 as they are.
    """
    parts = []
    for name, data in files:
        raw_name = name.encode() if isinstance(name, str) else name
        parts.append((f'form-data; name="{field}"; filename="'.encode() + raw_name + b'"', data))
    return multipart_parts(parts)


def multipart_parts(parts: list[tuple[bytes, bytes]]) -> tuple[bytes, str]:
    """A multipart body from (raw Content-Disposition value, content) pairs."""
    boundary = uuid.uuid4().hex
    body = bytearray()
    for disposition, data in parts:
        body += f"--{boundary}\r\n".encode()
        body += b"Content-Disposition: " + disposition + b"\r\n"
        body += b"Content-Type: application/octet-stream\r\n\r\n"
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def post_multipart(
    backend_url: str,
    handler: Any,
    body: bytes,
    content_type: str,
    *,
    token: str | None = None,
    timeout: float = 60,
) -> httpx.Response:
    """POST a ready-made multipart body to the upload endpoint."""
    headers = {
        "Reflex-Client-Token": token or str(uuid.uuid4()),
        "Reflex-Event-Handler": handler_name(handler),
        "Content-Type": content_type,
    }
    return httpx.post(f"{backend_url}/_upload", headers=headers, content=body, timeout=timeout)


def post_raw_upload(
    backend_url: str,
    handler: Any,
    files: Sequence[tuple[str | bytes, bytes]],
    *,
    token: str | None = None,
    timeout: float = 60,
) -> httpx.Response:
    """Like ``post_upload``, with names sent unescaped (see ``multipart_body``)."""
    body, content_type = multipart_body(files)
    return post_multipart(backend_url, handler, body, content_type, token=token, timeout=timeout)


def streamed_multipart(
    files: Sequence[tuple[str, Iterable[bytes]]], args: dict[str, Any] | None = None
) -> tuple[Iterator[bytes], str]:
    """A multipart body produced piece by piece, as ``rx.upload_files_chunk`` sends it.

    The bound handler arguments go first, in Reflex's ``__reflex_event_args``
    field; then each file's pieces, never all in memory at once.
    """
    boundary = uuid.uuid4().hex

    def body() -> Iterator[bytes]:
        if args is not None:
            yield (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{UPLOAD_EVENT_ARGS_FIELD}"\r\n\r\n'
                f"{json.dumps(args)}\r\n"
            ).encode()
        for name, pieces in files:
            yield (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            yield from pieces
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    return body(), f"multipart/form-data; boundary={boundary}"


def post_streamed(
    backend_url: str,
    handler: Any,
    files: Sequence[tuple[str, Iterable[bytes]]],
    *,
    args: dict[str, Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 300,
) -> httpx.Response:
    """POST ``files`` as a streamed (chunked transfer) multipart body to the upload endpoint."""
    body, content_type = streamed_multipart(files, args)
    sent = {
        "Reflex-Client-Token": token or str(uuid.uuid4()),
        "Reflex-Event-Handler": handler_name(handler),
        "Content-Type": content_type,
        **(headers or {}),
    }
    return httpx.post(f"{backend_url}/_upload", headers=sent, content=body, timeout=timeout)
