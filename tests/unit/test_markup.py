"""HTML as browsers sniff it (WHATWG), XML, SVG: text that starts with ``<`` is none of them."""

from __future__ import annotations

import pytest

from tests import long_tail
from upload_demo import filetypes, markup
from upload_demo.filetypes import identify


@pytest.mark.parametrize("opener", markup.HTML_OPENERS, ids=lambda o: o.decode())
@pytest.mark.parametrize("terminator", [b" ", b">"], ids=["space", "gt"])
def test_every_whatwg_signature_is_html(opener: bytes, terminator: bytes) -> None:
    data = opener + terminator + b"x</p>"
    assert identify(data) is filetypes.HTML
    assert identify(data.lower()) is filetypes.HTML
    assert identify(b" \t\r\n\x0c" + data) is filetypes.HTML


@pytest.mark.parametrize("opener", markup.HTML_OPENERS, ids=lambda o: o.decode())
@pytest.mark.parametrize("after", [b"", b"x", b"\n", b"/", b"-"], ids=["end", "x", "lf", "/", "-"])
def test_a_signature_needs_a_tag_terminating_byte(opener: bytes, after: bytes) -> None:
    assert not markup.is_html(opener + after)


@pytest.mark.parametrize(
    "data",
    [
        b"<td>cell</td>",
        b"<note>hello</note>",
        b"<abbr>x</abbr>",
        b"<html\nlang=en>",
        b"hello <html> later",
        b"<?php echo 1; ?>",
    ],
    ids=["td", "note", "abbr", "newline-after-name", "text-first", "php"],
)
def test_text_that_starts_with_lt_is_not_html(data: bytes) -> None:
    assert not markup.is_html(data)
    found = identify(data)
    assert found not in filetypes.ACTIVE_CONTENT
    assert (found.kind, found.extension) == ("document", ".txt")


def test_utf8_bom_is_skipped_like_whitespace() -> None:
    bom = b"\xef\xbb\xbf"
    assert identify(bom + b"<!DOCTYPE html><p>x</p>") is filetypes.HTML
    assert identify(bom + b"<svg xmlns='http://www.w3.org/2000/svg'/>") is filetypes.SVG
    assert identify(bom + b'<?xml version="1.0"?><a/>') is filetypes.XML


def test_svg_with_a_script_is_svg_not_html() -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert identify(data) is filetypes.SVG


@pytest.mark.parametrize(
    "data",
    [
        b"<svg>",
        b"  <svg width='1'/>",
        b"<SVG xmlns='http://www.w3.org/2000/svg'></SVG>",
        b"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'/>",
        b'<?xml version="1.0" standalone="no"?>\n<svg/>',
        b"<!-- drawn by hand -->\n<svg>",
        b"<?xml version='1.0'?><?xml-stylesheet href='a.css'?><!-- c --><svg>",
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd">\n<svg>',
        b'<!DOCTYPE svg [\n<!ENTITY e "<svg>">\n]>\n<svg>',
    ],
    ids=["bare", "ws", "upper", "prefixed", "decl", "comment", "pi", "doctype", "subset"],
)
def test_svg_root_after_any_prolog(data: bytes) -> None:
    assert identify(data) is filetypes.SVG


def test_real_svg_sample() -> None:
    assert identify(long_tail.svg_bytes()) is filetypes.SVG


@pytest.mark.parametrize(
    "data",
    [b"<svgfoo>", b"<!-- <svg> in a comment only", b"<p>an <svg> inside HTML</p>"],
    ids=["longer-name", "unterminated-comment", "inside-html"],
)
def test_not_svg(data: bytes) -> None:
    assert not markup.is_svg(data)


def test_html_doctype_then_svg_is_html() -> None:
    assert identify(b"<!DOCTYPE html><svg></svg>") is filetypes.HTML


def test_xml_declaration_is_xml() -> None:
    assert identify(b'<?xml version="1.0"?><note>x</note>') is filetypes.XML
    assert identify(b'\n  <?xml version="1.0"?><rss/>') is filetypes.XML
    assert identify(long_tail.xml_bytes()) is filetypes.XML


def test_xml_declaration_is_case_sensitive() -> None:
    assert not markup.is_xml(b'<?XML version="1.0"?><note>x</note>')


@pytest.mark.parametrize("data", [b"<svgfoo>", b'<?XML version="1.0"?><note>x</note>'])
def test_markup_libmagic_sees_is_refused_as_markup_all_the_same(data: bytes) -> None:
    # Where our test says no and libmagic says SVG or XML, the file is active content.
    assert identify(data) in filetypes.ACTIVE_CONTENT


def test_a_lone_lt_is_nothing() -> None:
    assert not (markup.is_html(b"<") or markup.is_svg(b"<") or markup.is_xml(b"<"))


def test_xhtml_behind_an_xml_declaration_is_xml() -> None:
    data = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    assert identify(data) is filetypes.XML


def test_text_starting_with_lt_is_plain_text() -> None:
    assert identify(long_tail.angle_text_bytes()) is filetypes.PLAIN_TEXT


def test_active_content_is_never_stored_under_an_extension_a_browser_runs() -> None:
    runs = {".html", ".htm", ".svg", ".xml", ".js", ".mjs", ".xhtml"}
    for data in (b"hello <html> later", b"<note/>", long_tail.random_bytes()):
        assert identify(data).extension not in runs


def test_svg_root_after_a_doctype_naming_anything_else() -> None:
    data = b'<!DOCTYPE foo [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"><script/>'
    assert identify(data) is filetypes.SVG


def _utf16(text: str, encoding: str, bom: bytes) -> bytes:
    return bom + text.encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")], ids=["le", "be"]
)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', filetypes.SVG),
        ("<!DOCTYPE html><p>hello", filetypes.HTML),
        ('<?xml version="1.0"?><note/>', filetypes.XML),
    ],
    ids=["svg", "html", "xml"],
)
def test_utf16_with_a_byte_order_mark_is_judged_decoded(
    encoding: str, bom: bytes, text: str, expected: filetypes.FileType
) -> None:
    assert identify(_utf16(text, encoding, bom)) is expected
