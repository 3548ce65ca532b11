"""A stored file's name as the pages show it: the folder it came from, muted, then the name."""

from __future__ import annotations

import reflex as rx

from upload_demo.file_view import FileView

Item = rx.vars.ObjectVar[FileView]


def _folder(item: Item) -> rx.Component:
    """The folder ("photos/sub/") in grey; nothing for a file from no folder."""
    return rx.cond(
        item.folder != "",
        rx.text.span(
            item.folder.to(str) + "/",
            color_scheme="gray",
            weight="regular",
            class_name="file-folder",
        ),
    )


def name_parts(item: Item) -> tuple[rx.Component, rx.Var]:
    """The children of a text or link that names the file: its folder, then its name."""
    return _folder(item), item.name


def full_name(item: Item) -> rx.vars.StringVar:
    """Folder and name as one string ("photos/sub/a.png"), for labels read out whole."""
    name = item.name.to(str)
    return rx.cond(item.folder != "", item.folder.to(str) + "/" + name, name).to(str)
