"""tus-js-client wrapped for Reflex: the component that sends a dropzone's files with tus.

``resumable_uploads.jsx`` (beside this file) is a React component that renders
nothing; it is given the tus endpoint and reports each file's state through
two event triggers. The page's buttons call its exported functions
(``start``, ``pause``, ``resume``, ``cancel``) in the browser, with no round
trip to the backend.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

#: The npm package, pinned.
TUS_JS_CLIENT = "tus-js-client@4.3.1"

LIBRARY = "$/public" + rx.asset("resumable_uploads.jsx", shared=True)

#: The size of one PATCH. The server confirms every few MiB within a PATCH, so a
#: cut costs at most the unconfirmed tail, whatever this is; smaller PATCHes only
#: pass through proxies that cap a request's body.
CHUNK_SIZE = 32 * 1024 * 1024

#: Waits before each new try after a network error (ms): about six minutes in all,
#: time to plug a cable back in. Progress starts the count again.
RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000] + [30000] * 10


class ResumableUploads(rx.Component):
    """The uploads of one dropzone (``upload_id``), sent to ``endpoint`` with tus."""

    library = LIBRARY
    tag = "ResumableUploads"
    lib_dependencies: list[str] = [TUS_JS_CLIENT]

    upload_id: rx.Var[str]
    endpoint: rx.Var[str]
    headers: rx.Var[dict[str, str]]
    chunk_size: rx.Var[int]
    retry_delays: rx.Var[list[int]]

    #: A file's state changed: {key, name, size, sent, status, reason, code, retry_in_ms,
    #: resumed_at}.
    on_change: rx.EventHandler[lambda change: [change]]
    #: The server has every byte of a file and stored it (or refused it): {key, url}.
    on_finished: rx.EventHandler[lambda done: [done]]


def _function(name: str) -> rx.vars.FunctionStringVar[Any]:
    return rx.vars.FunctionStringVar.create(
        name, _var_data=rx.vars.VarData(imports={LIBRARY: [rx.ImportVar(tag=name)]})
    )


def start(upload_id: str) -> rx.event.EventSpec:
    """Send every file the dropzone holds, each as its own tus upload (resuming where known)."""
    return rx.call_function(_function("startResumable").partial(upload_id))


def pause(upload_id: str, key: rx.Var[str]) -> rx.event.EventSpec:
    """Stop sending one file; the server keeps what it has."""
    return rx.call_function(_function("pauseResumable").partial(upload_id, key))


def resume(upload_id: str, key: rx.Var[str]) -> rx.event.EventSpec:
    """Ask the server where the file stands and send the rest."""
    return rx.call_function(_function("resumeResumable").partial(upload_id, key))


def cancel(upload_id: str, key: rx.Var[str]) -> rx.event.EventSpec:
    """Stop one file and have the server drop its partial data (DELETE)."""
    return rx.call_function(_function("cancelResumable").partial(upload_id, key))
