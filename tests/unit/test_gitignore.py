"""The checkout's .gitignore already holds every line Reflex would add to it.

Reflex rewrites .gitignore on `reflex run` / `reflex init` unless it finds its
own lines spelled exactly its way, which would show a new user a change they
never made.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT
from upload_demo import reflex_internals


def test_reflex_leaves_the_gitignore_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / ".gitignore"
    shutil.copyfile(ROOT / ".gitignore", copy)
    before = copy.read_text()
    reflex_internals.initialize_gitignore(copy)
    assert copy.read_text() == before
