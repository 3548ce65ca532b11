from __future__ import annotations

import pytest

from upload_demo.units import plural


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 files"), (1, "1 file"), (2, "2 files"), (1000, "1000 files")]
)
def test_plural(count: int, text: str) -> None:
    assert plural(count, "file") == text
