"""The real app, with the restricted page's size limits raised so a benchmark file is admitted.

Only the limits change (type sniffing, storage, hashing, records stay the
app's own), and only in the process the benchmark starts: the app itself has
no benchmark switch. The policy must be replaced before the app module is
imported, because the upload guard copies each page's policy at import.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from upload_demo.pages.restricted import RestrictedState

#: Big enough for the largest benchmark file (1 GiB) with room to spare.
LIMIT = 4 * 1024**3

RestrictedState.policy = dataclasses.replace(
    RestrictedState.policy, max_file_size=LIMIT, max_total_size=LIMIT
)

from upload_demo.upload_demo import app as _app  # noqa: E402


def app() -> Any:
    """The factory the server calls: the app's ASGI callable."""
    return _app()
