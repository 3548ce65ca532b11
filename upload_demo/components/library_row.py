"""One row of the library: a stored file with its preview, details, Download and Delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from upload_demo.components.file_name import full_name, name_parts
from upload_demo.components.file_views import (
    DOWNLOAD_LINK_ATTRS,
    details,
    download_url,
    file_dialog,
    preview_image,
)
from upload_demo.file_view import FileView

Item = rx.vars.ObjectVar[FileView]
#: The handler that deletes a stored file by its id.
DeleteHandler = Callable[[rx.Var[int]], Any]


def _thumbnail(item: Item) -> rx.Component:
    """The preview (image thumbnail or video poster) or a type icon; opens the file."""
    return file_dialog(
        item,
        rx.el.button(
            preview_image(item, "72px"),
            rx.cond(
                (item.kind == "video") & (item.preview_name != ""),
                # Radix's fixed white and black overlays, not theme colours: the mark sits
                # on the poster, which is the same picture in light and dark.
                rx.center(
                    rx.icon("play", size=18, color="var(--white-a12)"),
                    position="absolute",
                    inset="0",
                    background="var(--black-a5)",
                    border_radius="var(--radius-2)",
                ),
            ),
            aria_label="Open " + full_name(item),
            title="Open " + full_name(item),
            position="relative",
            width="72px",
            height="72px",
            flex_shrink="0",
            padding="0",
            border="1px solid var(--gray-a5)",
            border_radius="var(--radius-2)",
            background="var(--gray-a2)",
            cursor="pointer",
            class_name="library-open",
        ),
    )


def _uploader_badge(item: Item) -> rx.Component:
    """Who uploaded it: "by ada", or "via drop link “Q3 invoices”"."""
    return rx.cond(
        item.drop_link_label != "",
        rx.badge(
            "via drop link “" + item.drop_link_label.to(str) + "”",
            variant="soft",
            color_scheme="amber",
            class_name="library-drop-link",
        ),
        rx.badge(
            "by " + item.uploaded_by.to(str),
            variant="surface",
            color_scheme="gray",
            class_name="library-uploader",
        ),
    )


def _delete_button(item: Item, on_delete: DeleteHandler) -> rx.Component:
    """Delete, after a confirmation that names the file."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("trash-2", size=16),
                color_scheme="red",
                variant="soft",
                aria_label="Delete " + full_name(item),
                title="Delete",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this file?"),
            rx.alert_dialog.description(
                "“",
                full_name(item),
                "” (",
                item.size_text,
                "), its preview and its record will be removed for good.",
                style={"overflow_wrap": "anywhere"},
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    # High contrast: white on red 9 is 3.9:1, under the 4.5:1 of its text.
                    rx.button(
                        "Delete",
                        color_scheme="red",
                        high_contrast=True,
                        on_click=on_delete(item.id),
                    ),
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="460px",
        ),
    )


def library_row(item: Item, on_delete: DeleteHandler, may_delete: rx.Var[bool]) -> rx.Component:
    """One stored file: preview, name, badges, details, Download and Delete.

    ``on_delete`` is the handler that deletes a file by id, after the dialog's confirmation;
    Delete is shown only while ``may_delete`` (the handler asks again on the server).
    """
    return rx.card(
        rx.flex(
            _thumbnail(item),
            rx.vstack(
                rx.text(
                    *name_parts(item),
                    weight="medium",
                    size="3",
                    style={"overflow_wrap": "anywhere"},
                    class_name="library-name",
                ),
                rx.flex(
                    rx.badge(item.kind, variant="soft", color_scheme="indigo"),
                    rx.badge("from /" + item.page.to(str), variant="outline", color_scheme="gray"),
                    rx.badge(item.content_type, variant="soft", color_scheme="gray"),
                    _uploader_badge(item),
                    wrap="wrap",
                    spacing="1",
                ),
                details(item, " · SHA-256 ", rx.code(item.sha_short, variant="ghost", size="1")),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.flex(
                rx.icon_button(
                    rx.el.a(
                        rx.icon("download", size=16),
                        href=download_url(item),
                        aria_label="Download " + full_name(item),
                        title="Download under the original name",
                        custom_attrs=DOWNLOAD_LINK_ATTRS,
                    ),
                    as_child=True,
                    variant="soft",
                    class_name="library-download",
                ),
                rx.cond(may_delete, _delete_button(item, on_delete)),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="2",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="library-row",
    )
