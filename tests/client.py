"""A hostile client: POSTs multipart straight to the app's upload endpoint.

This is what any script can do, bypassing every check the browser makes,
so the backend tests use it to prove the server enforces the policy itself.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from reflex_base.utils.format import format_event_handler


def handler_name(handler: Any) -> str:
    """The ``Reflex-Event-Handler`` header value for a State's event handler."""
    return format_event_handler(handler)


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


def outcomes(response: httpx.Response) -> list[dict[str, Any]]:
    """The per-file outcomes the handler reported, in order."""
    for key, value in state_updates(response).items():
        if key.split("_rx_state_")[0] == "outcomes":
            return value
    raise AssertionError(f"no outcomes in response: {response.text[:500]}")
