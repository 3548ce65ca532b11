"""How stored files are shown: image gallery, file list with type icons, video player."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from upload_demo import stores
from upload_demo.components.backend_links import backend_url
from upload_demo.components.file_name import name_parts
from upload_demo.components.layout import DOWNLOAD_FRAME
from upload_demo.file_view import FileView


def stored_url(name: rx.Var) -> rx.Var:
    """Where a signed-in browser fetches a stored file by its stored name (no signature).

    Reflex's ``/_upload`` mount for the upload dir; with a bucket, the app's
    ``/files/`` route, which redirects to a short-lived presigned URL
    (downloads.py). Chosen when the pages are compiled, from the setting the
    backend reads. Pages showing a record use its signed URLs instead (FileView).
    """
    if stores.in_bucket():
        return backend_url("files/") + name.to(str)
    return rx.get_upload_url(name)


def file_url(item: rx.vars.ObjectVar[FileView]) -> rx.Var:
    """The stored file, under its random name, through its signed URL."""
    return backend_url(item.file_path)


def download_url(item: rx.vars.ObjectVar[FileView]) -> rx.Var:
    """The backend's ``/download/{id}`` (see downloads.py): the file under its original name."""
    return backend_url(item.download_path)


#: Attributes of a link to ``download_url``. It opens in the page's hidden download frame
#: (``layout.DOWNLOAD_FRAME``): a click that navigated the tab itself fires ``beforeunload``,
#: on which Reflex closes the tab's websocket, and the next click reopened it with a full
#: rehydrate that ran on_load again (the ``download`` attribute would avoid that only on the
#: same origin, not with the backend on a port of its own). A link with a target is also
#: left alone by React Router, which would otherwise turn a same-origin /download/{id} into
#: a page change inside the app (the 404 page).
DOWNLOAD_LINK_ATTRS: dict[str, Any] = {"target": DOWNLOAD_FRAME}


def preview_url(item: rx.vars.ObjectVar[FileView]) -> rx.Var:
    """The small picture to show for a file: its thumbnail or poster, else the file itself."""
    return rx.cond(item.preview_name != "", backend_url(item.preview_path), file_url(item))


def poster_url(item: rx.vars.ObjectVar[FileView]) -> rx.Var:
    """A video's poster frame for ``<video poster>``; "" when it has none."""
    return rx.cond(item.preview_name != "", backend_url(item.preview_path), "")


def type_icon(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    """An icon for the file's detected type, by its kind when no icon names the type."""
    # Every case is a component, so rx.match gives one; Reflex annotates Component | Var.
    return rx.match(  # pyright: ignore[reportReturnType]
        item.content_type,
        ("application/pdf", rx.icon("file-text", color="var(--red-9)")),
        ("text/html", rx.icon("file-code", color="var(--blue-9)")),
        rx.match(
            item.kind,
            ("image", rx.icon("image", color="var(--green-9)")),
            ("video", rx.icon("film", color="var(--purple-9)")),
            ("audio", rx.icon("file-audio", color="var(--orange-9)")),
            ("archive", rx.icon("file-archive", color="var(--amber-9)")),
            ("document", rx.icon("file-text", color="var(--gray-11)")),
            rx.icon("file"),
        ),
    )


def preview_image(item: rx.vars.ObjectVar[FileView], size: str) -> rx.Component:
    """A square picture of the file (thumbnail, poster), or its type icon when it has none.

    Only files we decoded have a preview; a TIFF or HEIC is an image a
    browser may not draw, so it gets an icon.
    """
    return rx.cond(
        item.preview_name != "",
        rx.image(
            src=preview_url(item),
            alt=item.name,
            width=size,
            height=size,
            object_fit="cover",
            loading="lazy",
            border_radius="var(--radius-2)",
        ),
        rx.center(type_icon(item), width=size, height=size),
    )


def _measures(item: rx.vars.ObjectVar[FileView]) -> rx.Var:
    """The dimensions part of a details line (" · 640 × 480 · h264"), or nothing."""
    return rx.cond(item.dimensions_text != "", " · " + item.dimensions_text.to(str), "")


def details(item: rx.vars.ObjectVar[FileView], *more: rx.Component | str) -> rx.Component:
    """One small grey line: size, dimensions or duration, upload time, then ``more``."""
    return rx.text(
        item.size_text,
        _measures(item),
        " · ",
        item.uploaded_text,
        *more,
        size="1",
        color_scheme="gray",
    )


def _open_link(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    return rx.link(
        rx.hstack(type_icon(item), rx.text("Open the file in a new tab"), align="center"),
        href=file_url(item),
        is_external=True,
    )


def _full_view(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    """The image or the video player for what we decoded; a link to anything else."""
    return rx.cond(
        item.preview_name == "",
        _open_link(item),
        _decoded_view(item),
    )


def _decoded_view(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    # Every case is a component, so rx.match gives one; Reflex annotates Component | Var.
    return rx.match(  # pyright: ignore[reportReturnType]
        item.kind,
        (
            "image",
            rx.image(
                src=file_url(item),
                alt=item.name,
                width="100%",
                max_height="70vh",
                object_fit="contain",
                class_name="full-image",
            ),
        ),
        (
            "video",
            rx.el.video(
                src=file_url(item),
                controls=True,
                preload="metadata",
                poster=poster_url(item),
                width="100%",
                style={"max_height": "70vh", "background": "black"},
                class_name="full-video",
            ),
        ),
        _open_link(item),
    )


def file_dialog(item: rx.vars.ObjectVar[FileView], trigger: rx.Component) -> rx.Component:
    """Clicking ``trigger`` opens the file full size (image, video player, or a link).

    The dialog names the file and gives its type, size, dimensions or duration,
    upload time and short SHA-256, with a download under its original name.
    """
    return rx.dialog.root(
        rx.dialog.trigger(trigger),
        rx.dialog.content(
            rx.dialog.title(*name_parts(item), trim="both", style={"overflow_wrap": "anywhere"}),
            rx.dialog.description(
                item.content_type,
                " · ",
                item.size_text,
                _measures(item),
                " · uploaded ",
                item.uploaded_text,
                " · SHA-256 ",
                item.sha_short,
                "…",
                size="2",
            ),
            rx.box(_full_view(item), margin_y="1em"),
            rx.hstack(
                rx.button(
                    rx.el.a(
                        rx.icon("download", size=16),
                        "Download",
                        href=download_url(item),
                        custom_attrs=DOWNLOAD_LINK_ATTRS,
                    ),
                    as_child=True,
                    variant="soft",
                ),
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                spacing="3",
            ),
            max_width="min(900px, 95vw)",
        ),
    )


def _gallery_tile(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    image = rx.image(
        src=preview_url(item),
        alt=item.name,
        width="100%",
        height="160px",
        object_fit="cover",
        loading="lazy",
        border_radius="var(--radius-3)",
    )
    # The dialog's trigger is a real button drawn as a card: a card's <div> took the
    # trigger's aria-expanded, which only a button may have, and Tab never reached it.
    return file_dialog(
        item,
        rx.card(
            rx.el.button(
                rx.vstack(
                    image,
                    rx.text(
                        *name_parts(item), size="2", weight="medium", trim="both", truncate=True
                    ),
                    details(item),
                    spacing="1",
                    width="100%",
                ),
                type="button",
            ),
            as_child=True,
            cursor="pointer",
            text_align="start",
            class_name="gallery-item",
        ),
    )


def gallery(items: rx.vars.ArrayVar[Sequence[FileView]], empty: str) -> rx.Component:
    """A grid of stored images; clicking one opens it full size with its details."""
    return rx.cond(
        items.length() > 0,
        rx.grid(
            rx.foreach(items, _gallery_tile),
            columns=rx.breakpoints(initial="2", sm="3", md="4"),
            spacing="3",
            width="100%",
            class_name="gallery",
        ),
        rx.text(empty, color_scheme="gray"),
    )


def _list_row(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    return rx.card(
        rx.hstack(
            preview_image(item, "56px"),
            rx.vstack(
                rx.link(*name_parts(item), href=file_url(item), is_external=True, weight="medium"),
                details(item),
                spacing="1",
            ),
            rx.spacer(),
            rx.badge(item.content_type, variant="soft"),
            align="center",
            width="100%",
        ),
        width="100%",
        class_name="file-row",
    )


def file_list(items: rx.vars.ArrayVar[Sequence[FileView]], empty: str) -> rx.Component:
    """Stored files as rows: preview for images, a type icon otherwise."""
    return rx.cond(
        items.length() > 0,
        rx.vstack(rx.foreach(items, _list_row), width="100%", spacing="2", class_name="file-list"),
        rx.text(empty, color_scheme="gray"),
    )


def video_player(item: rx.vars.ObjectVar[FileView]) -> rx.Component:
    """A native ``<video controls>`` player for a stored video."""
    return rx.vstack(
        rx.el.video(
            src=file_url(item),
            controls=True,
            preload="metadata",
            poster=poster_url(item),
            width="100%",
            # Black in both themes: the letterbox around the picture, as in every player.
            style={
                "max_height": "520px",
                "background": "black",
                "border_radius": "var(--radius-3)",
            },
            id="player",
        ),
        rx.text(*name_parts(item), weight="medium"),
        details(item),
        width="100%",
        spacing="1",
    )


def section(title: str, *children: rx.Component) -> rx.Component:
    """A titled block of results under the upload panel."""
    return rx.vstack(
        rx.heading(title, size="5", as_="h2", margin_top="0.5em"),
        *children,
        width="100%",
        spacing="3",
    )
