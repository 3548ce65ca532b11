"""HTML, SVG and XML told apart by their first bytes, as a browser tells them.

A browser renders markup it is handed, scripts included, so mistaking one
for another (or plain text for either) decides what could run from this
site. HTML follows the WHATWG MIME Sniffing standard ("rules for identifying
an unknown MIME type"): one of its tag openers, after optional whitespace,
then a space or ``>``; ``<?xml`` is XML. Text that merely starts with ``<`` is
neither. SVG is markup whose root element is ``svg``, after whatever an XML
prolog may hold (declaration, comments, processing instructions, an SVG
doctype), since that is how a browser finds it is drawing an image.

One deliberate difference from the standard: a UTF-8 byte order mark is
skipped like whitespace. The standard's table only calls such bytes
``text/plain`` because they do not start with a tag, yet the HTML and XML
parsers drop the mark, so an editor's BOM does not make HTML or SVG harmless.
"""

from __future__ import annotations

import re

_UTF8_BOM = b"\xef\xbb\xbf"

#: The standard's whitespace bytes: tab, line feed, form feed, carriage return, space.
_WHITESPACE = b"\t\n\x0c\r "

#: The standard's HTML signatures; each must be followed by a tag-terminating byte.
HTML_OPENERS: tuple[bytes, ...] = (
    b"<!DOCTYPE HTML",
    b"<HTML",
    b"<HEAD",
    b"<SCRIPT",
    b"<IFRAME",
    b"<H1",
    b"<DIV",
    b"<FONT",
    b"<TABLE",
    b"<A",
    b"<STYLE",
    b"<TITLE",
    b"<B",
    b"<BODY",
    b"<BR",
    b"<P",
    b"<!--",
)

#: Space or ``>``: what ends a tag name in the standard's patterns.
_TAG_TERMINATORS = b" >"

_XML_DECLARATION = b"<?xml"

#: The root element of an SVG image: ``svg``, with or without a namespace prefix.
_SVG_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]", re.IGNORECASE)
#: Any doctype: an XML parser draws the root element whatever the doctype names.
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([A-Za-z_][\w.:-]*)", re.IGNORECASE)

_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _body(head: bytes) -> bytes:
    """The head as UTF-8, without its byte order mark and leading whitespace.

    A UTF-16 byte order mark makes a browser decode the file as UTF-16, so
    such markup is judged after decoding (a cut last character is dropped).
    """
    for bom, encoding in _UTF16_BOMS.items():
        if head.startswith(bom):
            head = head[len(bom) :].decode(encoding, errors="ignore").encode()
            break
    return head.removeprefix(_UTF8_BOM).lstrip(_WHITESPACE)


def is_html(head: bytes) -> bool:
    """One of the WHATWG HTML signatures, case-insensitive, then a space or ``>``."""
    body = _body(head)
    upper = body[:16].upper()
    return any(
        upper.startswith(opener) and body[len(opener) : len(opener) + 1] in _TAG_TERMINATORS
        for opener in HTML_OPENERS
        if len(body) > len(opener)
    )


def is_xml(head: bytes) -> bool:
    """The WHATWG XML signature: ``<?xml`` (case-sensitive) after optional whitespace."""
    return _body(head).startswith(_XML_DECLARATION)


def _after(data: bytes, end: bytes) -> bytes | None:
    """What follows the first ``end``, or None when the head stops before it."""
    index = data.find(end)
    return None if index < 0 else data[index + len(end) :]


def _skip_doctype(data: bytes) -> bytes | None:
    """Past a doctype, internal subset (``[...]``) included."""
    close = data.find(b">")
    bracket = data.find(b"[")
    if 0 <= bracket < close:
        rest = _after(data[bracket:], b"]")
        return None if rest is None else _after(rest, b">")
    return None if close < 0 else data[close + 1 :]


def is_svg(head: bytes) -> bool:
    """Markup whose root element is ``svg``, past the prolog an XML file may open with."""
    rest: bytes | None = _body(head)
    while rest is not None:
        if rest.startswith(b"<?"):
            rest = _after(rest, b"?>")
        elif rest.startswith(b"<!--"):
            rest = _after(rest, b"-->")
        elif doctype := _DOCTYPE.match(rest):
            if doctype[1].lower() == b"html":
                return False
            rest = _skip_doctype(rest)
        else:
            return _SVG_ROOT.match(rest) is not None
        if rest is not None:
            rest = rest.lstrip(_WHITESPACE)
    return False
