"""The locks agree with the pins they were made from (`make lock` after editing a pin)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """Each ``name==version`` line as name -> version (``-r`` includes not followed)."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[_normalized(match[1])] = match[2]
    return found


@pytest.mark.parametrize(
    ("pinned", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_pin_is_in_its_lock_at_the_same_version(pinned: str, lock: str) -> None:
    locked = pins(ROOT / lock)
    stale = {
        name: (version, locked.get(name))
        for name, version in pins(ROOT / pinned).items()
        if locked.get(name) != version
    }
    assert stale == {}, f"{lock} is stale (pin, locked): run `make lock`"


def test_dev_lock_installs_the_runtime_lock_versions() -> None:
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    assert len(runtime) > 40, "the runtime lock should pin every transitive dependency"
    assert {name: dev.get(name) for name in runtime} == runtime
