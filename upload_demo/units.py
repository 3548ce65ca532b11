"""Human-readable counts, sizes and durations, shared by every page's text."""

from __future__ import annotations

_SIZE_UNITS = ("bytes", "kB", "MB", "GB", "TB")


def human_bytes(size: float) -> str:
    """Decimal units (1 MB = 1,000,000 bytes), as file managers and browsers show them."""
    if size < 1000:
        return f"{int(size)} bytes" if size != 1 else "1 byte"
    for unit in _SIZE_UNITS[1:]:
        size /= 1000
        if size < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{size:.3g} {unit}" if size < 100 else f"{size:.0f} {unit}"
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """Short 'time left' text: 45 s, 3 min 10 s, 1 h 5 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def plural(count: int, noun: str) -> str:
    """'1 file', '0 files', '2 files': nouns whose plural is a trailing s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
