"""UploadPolicy: one object feeds the browser's props, the page's text and the server's checks."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests import long_tail, samples
from upload_demo import filetypes, policy
from upload_demo.filetypes import HEAD_SIZE, FileType
from upload_demo.policy import Rejected, UploadPolicy
from upload_demo.units import human_bytes

POLICIES = [policy.IMAGES, policy.VIDEO, policy.RESTRICTED, policy.ONE_STEP, policy.LARGE]
POLICY_IDS = [p.page for p in POLICIES]
STRICT = [p for p in POLICIES if not p.any_type]
STRICT_IDS = [p.page for p in STRICT]


@functools.cache
def sample_for(file_type: FileType) -> bytes:
    """Real bytes of each known type."""
    makers = {
        filetypes.PNG: lambda: samples.image_bytes("PNG", seed=11),
        filetypes.JPEG: lambda: samples.image_bytes("JPEG", seed=12),
        filetypes.GIF: lambda: samples.image_bytes("GIF", seed=13),
        filetypes.WEBP: lambda: samples.image_bytes("WEBP", seed=14),
        filetypes.PDF: lambda: samples.pdf_bytes("policy"),
        filetypes.HTML: lambda: samples.html_bytes("policy"),
        filetypes.SVG: long_tail.svg_bytes,
        filetypes.XML: long_tail.xml_bytes,
        filetypes.MP4: lambda: samples.video_bytes("mp4", seed=15),
        filetypes.QUICKTIME: lambda: samples.video_bytes("mov", seed=16),
        filetypes.WEBM: lambda: samples.video_bytes("webm", seed=17),
        filetypes.OGG: lambda: samples.video_bytes("ogg", seed=18),
    }
    return makers[file_type]()[:HEAD_SIZE]


def _cases(accepted: bool) -> list[tuple[UploadPolicy, FileType]]:
    return [(p, t) for p in POLICIES for t in filetypes.KNOWN_TYPES if p.accepts(t) == accepted]


def _case_id(case: tuple[UploadPolicy, FileType]) -> str:
    return f"{case[0].page}-{case[1].label}"


def test_every_known_type_has_a_sample() -> None:
    for file_type in filetypes.KNOWN_TYPES:
        assert filetypes.identify(sample_for(file_type)) is file_type


def test_page_names_are_unique_and_indexed() -> None:
    assert set(policy.BY_PAGE) == {
        "images",
        "video",
        "restricted",
        "one-step",
        "large",
        "drop",
        "resumable",
    }
    for p in POLICIES:
        assert policy.BY_PAGE[p.page] is p


def test_restricted_matches_the_docs() -> None:
    restricted = policy.RESTRICTED
    assert restricted.max_files == 5
    assert set(restricted.types) == {
        filetypes.PDF,
        filetypes.PNG,
        filetypes.JPEG,
        filetypes.GIF,
        filetypes.WEBP,
        filetypes.HTML,
    }


def test_video_is_single_file() -> None:
    assert policy.VIDEO.max_files == 1
    assert policy.VIDEO.multiple is False
    assert policy.VIDEO.dropzone_props()["multiple"] is False


@pytest.mark.parametrize("case", _cases(accepted=True), ids=_case_id)
def test_accepted_types_pass(case: tuple[UploadPolicy, FileType]) -> None:
    page_policy, file_type = case
    assert page_policy.check_type(sample_for(file_type)) is file_type


@pytest.mark.parametrize("case", _cases(accepted=False), ids=_case_id)
def test_refused_types_name_the_real_type(case: tuple[UploadPolicy, FileType]) -> None:
    page_policy, file_type = case
    with pytest.raises(Rejected) as info:
        page_policy.check_type(sample_for(file_type))
    message = str(info.value)
    if page_policy.any_type:
        assert message == (
            f"the content is {file_type.label}: this page takes {page_policy.type_names}"
            f" ({page_policy.refused_because})"
        )
    else:
        assert message == f"the content is {file_type.label}, expected {page_policy.type_names}"
    for accepted in page_policy.types or page_policy.refuses:
        assert accepted.label in message


def test_html_named_png_is_refused_on_images() -> None:
    with pytest.raises(Rejected, match=r"^the content is HTML, expected PNG, JPEG, GIF or WebP$"):
        policy.IMAGES.check_type(samples.html_bytes("photo.png"))


@pytest.mark.parametrize("page_policy", STRICT, ids=STRICT_IDS)
@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03garbage", b"MZ\x90\x00"], ids=["bin", "exe"])
def test_unrecognised_bytes(page_policy: UploadPolicy, data: bytes) -> None:
    with pytest.raises(Rejected) as info:
        page_policy.check_type(data)
    assert str(info.value) == f"unrecognised content, expected {page_policy.type_names}"


@pytest.mark.parametrize("page_policy", STRICT, ids=STRICT_IDS)
@pytest.mark.parametrize(
    ("make", "label"),
    [
        (long_tail.svg_bytes, "SVG"),
        (long_tail.xml_bytes, "XML"),
        (long_tail.angle_text_bytes, "plain text"),
        (lambda: b"plain text", "plain text"),
        (long_tail.zip_bytes, "ZIP archive"),
    ],
    ids=["svg", "xml", "lt-text", "text", "zip"],
)
def test_typed_pages_name_what_they_refuse(
    page_policy: UploadPolicy, make: Callable[[], bytes], label: str
) -> None:
    with pytest.raises(Rejected) as info:
        page_policy.check_type(make())
    assert str(info.value) == f"the content is {label}, expected {page_policy.type_names}"


def test_restricted_refuses_svg_naming_it() -> None:
    with pytest.raises(Rejected, match=r"^the content is SVG, expected PDF, PNG, JPEG, GIF, WebP"):
        policy.RESTRICTED.check_type(long_tail.svg_bytes())


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (long_tail.zip_bytes, "application/zip"),
        (lambda: long_tail.tar_bytes(gzip=True), "application/gzip"),
        (long_tail.iso_bytes, "application/x-iso9660-image"),
        (long_tail.mkv_bytes, "video/x-matroska"),
        (long_tail.mp3_bytes, "audio/mpeg"),
        (long_tail.csv_bytes, "text/csv"),
        (long_tail.angle_text_bytes, "text/plain"),
        (long_tail.random_bytes, "application/octet-stream"),
    ],
    ids=["zip", "tar.gz", "iso", "mkv", "mp3", "csv", "text", "random"],
)
def test_large_takes_the_long_tail(make: Callable[[], bytes], mime: str) -> None:
    assert policy.LARGE.check_type(make()[:HEAD_SIZE]).mime == mime


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (lambda: samples.html_bytes("large"), "HTML"),
        (long_tail.svg_bytes, "SVG"),
        (long_tail.xml_bytes, "XML"),
        (long_tail.javascript_bytes, "JavaScript"),
    ],
    ids=["html", "svg", "xml", "js"],
)
def test_large_refuses_active_content_with_the_reason(
    make: Callable[[], bytes], label: str
) -> None:
    with pytest.raises(Rejected) as info:
        policy.LARGE.check_type(make())
    assert str(info.value) == (
        f"the content is {label}: this page takes any file except HTML, SVG, XML or JavaScript"
        " (active content, which would run as part of this site)"
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"types": (filetypes.PNG,), "refuses": (filetypes.HTML,)}],
    ids=["neither", "both"],
)
def test_a_policy_lists_taken_or_refused_types(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="lists the types it takes"):
        UploadPolicy(page="x", max_files=1, max_file_size=1, max_total_size=1, **kwargs)


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_empty_is_refused(page_policy: UploadPolicy) -> None:
    with pytest.raises(Rejected, match=r"^the file is empty$"):
        page_policy.check_type(b"")
    with pytest.raises(Rejected, match=r"^the file is empty$"):
        page_policy.check_declared_size(0, 0)


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_count_limit(page_policy: UploadPolicy) -> None:
    for index in range(page_policy.max_files):
        page_policy.check_position(index)
    for index in (page_policy.max_files, page_policy.max_files + 1, 1000):
        with pytest.raises(Rejected, match=r"^too many files: this page takes at most ") as info:
            page_policy.check_position(index)
        limit = "1 file" if page_policy.max_files == 1 else f"{page_policy.max_files} files"
        assert str(info.value).endswith(f"at most {limit} per upload")


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_per_file_size(page_policy: UploadPolicy) -> None:
    limit = page_policy.max_file_size
    page_policy.check_size(1, 0)
    page_policy.check_size(limit, 0)
    page_policy.check_declared_size(limit, 0)
    for check in (page_policy.check_size, page_policy.check_declared_size):
        with pytest.raises(Rejected) as info:
            check(limit + 1, 0)
        message = str(info.value)
        assert message.startswith("too large (")
        assert message.endswith(f"the limit is {human_bytes(limit)} per file")


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_total_size(page_policy: UploadPolicy) -> None:
    total_limit = page_policy.max_total_size
    size = min(page_policy.max_file_size, total_limit)
    # Exactly at the total is fine; one byte past it is not.
    page_policy.check_size(size, total_limit - size)
    for check in (page_policy.check_size, page_policy.check_declared_size):
        with pytest.raises(Rejected) as info:
            check(size, total_limit - size + 1)
        assert str(info.value) == (f"over the upload's total limit of {human_bytes(total_limit)}")


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_unknown_declared_size_is_not_judged(page_policy: UploadPolicy) -> None:
    page_policy.check_declared_size(None, page_policy.max_total_size)


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_too_large_without_size(page_policy: UploadPolicy) -> None:
    assert str(page_policy.too_large()) == (
        f"too large: the limit is {human_bytes(page_policy.max_file_size)} per file"
    )


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_limits_are_sane(page_policy: UploadPolicy) -> None:
    assert page_policy.max_files >= 1
    assert 0 < page_policy.max_file_size <= page_policy.max_total_size
    listed = page_policy.types or page_policy.refuses
    assert listed
    assert len(set(listed)) == len(listed)


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_dropzone_props_match_the_policy(page_policy: UploadPolicy) -> None:
    props = page_policy.dropzone_props()
    expected: dict[str, Any] = {
        "max_files": page_policy.max_files,
        "max_size": page_policy.max_file_size,
        "min_size": 1,
        "multiple": page_policy.max_files > 1,
    }
    if page_policy.any_type:
        # react-dropzone cannot say "all but": the browser takes any file.
        assert props == expected
        return
    assert props == {"accept": {t.mime: list(t.extensions) for t in page_policy.types}} | expected
    assert props["accept"] == page_policy.accept
    # Every accepted type, and only those, reaches the browser.
    assert set(props["accept"]) == {t.mime for t in page_policy.types}
    for file_type in page_policy.types:
        assert props["accept"][file_type.mime] == list(file_type.extensions)
        assert all(ext.startswith(".") for ext in file_type.extensions)


def _page_states() -> list[type]:
    from upload_demo.pages.images import ImagesState
    from upload_demo.pages.one_step import OneStepState
    from upload_demo.pages.restricted import RestrictedState
    from upload_demo.pages.video import VideoState

    return [ImagesState, VideoState, RestrictedState, OneStepState]


def _dropzone_hook(state: type) -> str:
    """The useDropzone(...) call the page's real dropzone compiles to."""
    from upload_demo.components.upload_panel import dropzone

    hooks = [str(h) for h in dropzone(state)._get_all_hooks() if "useDropzone(" in str(h)]
    assert len(hooks) == 1, hooks
    return hooks[0]


@pytest.mark.parametrize("state", _page_states(), ids=lambda s: s.__name__)
def test_each_page_dropzone_is_built_from_its_policy(state: type) -> None:
    page_policy = state.policy
    assert page_policy in POLICIES
    hook = _dropzone_hook(state)
    assert f'["maxFiles"] : {page_policy.max_files}' in hook
    assert f'["maxSize"] : {page_policy.max_file_size}' in hook
    assert '["minSize"] : 1' in hook
    assert f'["multiple"] : {"true" if page_policy.multiple else "false"}' in hook
    accept = hook[hook.index('["accept"]') : hook.index('["maxFiles"]')]
    for file_type in page_policy.types:
        extensions = ", ".join(f'"{ext}"' for ext in file_type.extensions)
        assert f'["{file_type.mime}"] : [{extensions}]' in accept
    assert accept.count('"] : [') == len(page_policy.types)


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_limits_text(page_policy: UploadPolicy) -> None:
    text = page_policy.limits_text
    for file_type in page_policy.types or page_policy.refuses:
        assert re.search(rf"\b{re.escape(file_type.label)}\b", text)
    assert f"{human_bytes(page_policy.max_file_size)} each" in text
    if page_policy.max_files == 1:
        assert "1 file" in text
        assert "in all" not in text
    else:
        assert f"up to {page_policy.max_files} files" in text
        assert f"{human_bytes(page_policy.max_total_size)} in all" in text


def test_limits_text_examples() -> None:
    assert (
        policy.IMAGES.limits_text
        == "PNG, JPEG, GIF or WebP · up to 20 files · 10 MB each · 100 MB in all"
    )
    assert policy.VIDEO.limits_text == "MP4, WebM, QuickTime or Ogg · 1 file · 200 MB each"
    assert policy.RESTRICTED.limits_text == (
        "PDF, PNG, JPEG, GIF, WebP or HTML · up to 5 files · 5 MB each · 25 MB in all"
    )
    assert policy.LARGE.limits_text == (
        "Any file except HTML, SVG, XML or JavaScript · up to 3 files · 8 GB each · 16 GB in all"
    )


def test_large_dropzone_filters_nothing() -> None:
    from upload_demo.pages.large import LargeState

    hook = _dropzone_hook(LargeState)
    assert '["accept"]' not in hook
    assert '["maxFiles"] : 3' in hook


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_browser_reasons(page_policy: UploadPolicy) -> None:
    assert page_policy.browser_reason("file-invalid-type") == (
        f"not an accepted type ({page_policy.type_names})"
    )
    assert page_policy.browser_reason("file-too-large") == (
        f"larger than {human_bytes(page_policy.max_file_size)}"
    )
    assert page_policy.browser_reason("file-too-small") == "the file is empty"
    too_many = page_policy.browser_reason("too-many-files")
    if page_policy.max_files == 1:
        assert too_many == "too many files: only one file at a time"
    else:
        assert too_many == f"too many files: at most {page_policy.max_files} at a time"
    assert page_policy.browser_reason("total-too-large") == (
        f"over the selection's total limit of {human_bytes(page_policy.max_total_size)}"
    )
    assert page_policy.browser_reason("already-selected") == "already in the selection"
    # An unknown code is still readable.
    assert page_policy.browser_reason("some-new-code") == "some new code"


@pytest.mark.parametrize("page_policy", POLICIES, ids=POLICY_IDS)
def test_selection_rules_are_the_dropzone_limits(page_policy: UploadPolicy) -> None:
    """A paste or a folder meets the same limits as a drop, plus the total."""
    rules = page_policy.selection_rules()
    props = page_policy.dropzone_props()
    assert rules["accept"] == props.get("accept", {})
    assert (rules["maxFiles"], rules["maxSize"], rules["minSize"], rules["multiple"]) == (
        props["max_files"],
        props["max_size"],
        props["min_size"],
        props["multiple"],
    )
    assert rules["maxTotal"] == page_policy.max_total_size


def test_policy_is_immutable() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        # The checker knows the field is read-only; this proves it is at run time too.
        policy.IMAGES.max_files = 1000  # pyright: ignore[reportAttributeAccessIssue]


def test_restricted_page_dropzone_ignores_the_keyboard() -> None:
    from upload_demo.pages.restricted import restricted_page

    hooks = [str(h) for h in restricted_page()._get_all_hooks() if "useDropzone(" in str(h)]
    assert len(hooks) == 1
    assert '["noKeyboard"] : true' in hooks[0]
