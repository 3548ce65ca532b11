"""/admin: accounts (add, disable, new password, role) and drop links (make, copy, revoke).

The State (pages/admin_state.py) checks each action against the database; a
member who opens this page gets the notice and no data.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from upload_demo import routes
from upload_demo.access_state import AccessState
from upload_demo.accounts import MIN_PASSWORD_LENGTH
from upload_demo.components.layout import open_access_callout, page_layout
from upload_demo.models import ADMIN, MEMBER
from upload_demo.pages.admin_state import NOT_ADMIN, AccountView, AdminState, LinkView
from upload_demo.reflex_internals import AccentColor


def _message(text: Any, failed: Any, class_name: str) -> rx.Component:
    return rx.cond(
        text != "",
        rx.callout(
            text,
            icon=rx.cond(failed, "triangle-alert", "circle-check"),
            color_scheme=rx.cond(failed, "red", "green"),
            role="status",
            width="100%",
            class_name=class_name,
        ),
    )


def _field(label: str, control: rx.Component, control_id: str) -> rx.Component:
    """A label above its control, for the element with ``control_id``.

    The id is given, not read from ``control``: a select's id is on its trigger, not on
    the component ``rx.select`` returns, and a group's is on one of its parts.
    """
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        spacing="1",
    )


# --- accounts -------------------------------------------------------------------


def _new_account_form() -> rx.Component:
    return rx.form(
        rx.flex(
            _field(
                "Name",
                rx.input(id="new-name", name="name", required=True, max_length=40),
                "new-name",
            ),
            _field(
                "Role",
                rx.select([MEMBER, ADMIN], id="new-role", name="role", default_value=MEMBER),
                "new-role",
            ),
            _field(
                "Initial password",
                rx.input(
                    id="new-password",
                    name="password",
                    type="password",
                    auto_complete="new-password",
                    required=True,
                    min_length=MIN_PASSWORD_LENGTH,
                ),
                "new-password",
            ),
            rx.button(rx.icon("user-plus", size=16), "Add account", type="submit"),
            wrap="wrap",
            spacing="3",
            align="end",
        ),
        on_submit=AdminState.add_account,
        reset_on_submit=True,
        width="100%",
    )


def _password_popover(account: rx.vars.ObjectVar[AccountView]) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(rx.button("New password", size="1", variant="soft")),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.text("New password for ", rx.text.strong(account.name), size="2"),
                    rx.el.input(type="hidden", name="name", value=account.name),
                    rx.input(
                        name="password",
                        type="password",
                        auto_complete="new-password",
                        required=True,
                        min_length=MIN_PASSWORD_LENGTH,
                        aria_label="New password",
                        width="100%",
                    ),
                    rx.popover.close(rx.button("Set password", type="submit", size="2")),
                    spacing="2",
                ),
                on_submit=AdminState.set_password,
                reset_on_submit=True,
            ),
            width="280px",
        ),
    )


def _account_row(account: rx.vars.ObjectVar[AccountView]) -> rx.Component:
    is_admin = account.role == ADMIN
    return rx.table.row(
        rx.table.row_header_cell(rx.text(account.name, weight="medium")),
        rx.table.cell(rx.badge(account.role, color_scheme=rx.cond(is_admin, "iris", "gray"))),
        rx.table.cell(account.created_text),
        rx.table.cell(account.last_sign_in_text),
        rx.table.cell(
            rx.cond(
                account.disabled,
                rx.badge("disabled", color_scheme="red"),
                rx.badge("enabled", color_scheme="green", variant="soft"),
            )
        ),
        rx.table.cell(
            rx.flex(
                rx.button(
                    rx.cond(account.disabled, "Enable", "Disable"),
                    size="1",
                    variant="soft",
                    color_scheme=rx.cond(account.disabled, "green", "red"),
                    on_click=AdminState.set_disabled(account.name, ~account.disabled),
                ),
                rx.button(
                    rx.cond(is_admin, "Make member", "Make admin"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=AdminState.set_role(account.name, rx.cond(is_admin, MEMBER, ADMIN)),
                ),
                _password_popover(account),
                spacing="2",
                wrap="wrap",
            )
        ),
        class_name="account-row",
    )


def _accounts_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Accounts", size="5", as_="h2"),
            _message(AdminState.account_message, AdminState.account_failed, "account-message"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(title)
                                for title in (
                                    "Name",
                                    "Role",
                                    "Created",
                                    "Last sign-in",
                                    "Status",
                                    "Actions",
                                )
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(AdminState.accounts, _account_row)),
                    size="2",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.heading("Add an account", size="3", as_="h3", margin_top="0.5em"),
            _new_account_form(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


# --- drop links -------------------------------------------------------------------


def _new_link_form() -> rx.Component:
    return rx.form(
        rx.flex(
            _field(
                "Label",
                rx.input(id="link-label", name="label", required=True, max_length=80),
                "link-label",
            ),
            _field(
                "Expires in (optional)",
                rx.hstack(
                    rx.input(
                        id="link-expires",
                        name="expires_in",
                        type="number",
                        min=1,
                        width="6em",
                    ),
                    rx.select(
                        ["hours", "days"],
                        name="expiry_unit",
                        default_value="days",
                        # On the trigger: rx.select gives aria_label to the root, which
                        # draws no element.
                        custom_attrs={"aria-label": "Expiry unit"},
                    ),
                    spacing="2",
                ),
                "link-expires",
            ),
            _field(
                "Max files (optional)",
                rx.input(id="link-files", name="max_files", type="number", min=1, width="8em"),
                "link-files",
            ),
            _field(
                "Max MB (optional)",
                rx.input(id="link-mb", name="max_mb", type="number", min=1, width="8em"),
                "link-mb",
            ),
            rx.button(rx.icon("link", size=16), "Create link", type="submit"),
            wrap="wrap",
            spacing="3",
            align="end",
        ),
        on_submit=AdminState.create_link,
        reset_on_submit=True,
        width="100%",
    )


_STATUS_COLORS: dict[str, AccentColor] = {"open": "green", "expired": "amber", "revoked": "red"}


def _revoke_button(link: rx.vars.ObjectVar[LinkView]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Revoke", size="1", color_scheme="red", variant="soft"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Revoke this link?"),
            rx.alert_dialog.description(
                "“", link.label, "” will accept no more files. The files it took stay."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    # High contrast: white on red 9 is 3.9:1, under the 4.5:1 of its text.
                    rx.button(
                        "Revoke",
                        color_scheme="red",
                        high_contrast=True,
                        on_click=AdminState.revoke_link(link.id),
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="460px",
        ),
    )


def _link_row(link: rx.vars.ObjectVar[LinkView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text(link.label, weight="bold", size="3", class_name="link-label"),
                rx.match(
                    link.status,
                    *[
                        (status, rx.badge(status, color_scheme=color, class_name="link-status"))
                        for status, color in _STATUS_COLORS.items()
                    ],
                    rx.badge(link.status, class_name="link-status"),
                ),
                rx.spacer(),
                rx.cond(link.status != "revoked", _revoke_button(link)),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.flex(
                rx.input(
                    value=link.url,
                    read_only=True,
                    aria_label="Link URL for " + link.label.to(str),
                    class_name="link-url",
                    flex="1",
                    min_width="16em",
                    font_family="var(--code-font-family)",
                ),
                rx.button(
                    rx.icon("copy", size=14),
                    "Copy",
                    size="2",
                    variant="soft",
                    on_click=[rx.set_clipboard(link.url), rx.toast("Link copied")],
                ),
                spacing="2",
                width="100%",
                align="center",
            ),
            rx.text(
                rx.text.span(link.usage_text, class_name="link-usage"),
                " · expires: ",
                link.expires_text,
                " · made by ",
                link.created_by,
                " on ",
                link.created_text,
                size="2",
                color_scheme="gray",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="link-row",
    )


def _links_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Drop links", size="5", as_="h2"),
            rx.text(
                "Anyone with a link uploads through it, and sees only what they uploaded.",
                size="2",
                color_scheme="gray",
            ),
            _new_link_form(),
            _message(AdminState.link_message, AdminState.link_failed, "link-message"),
            rx.cond(
                AdminState.links.length() > 0,
                rx.vstack(
                    rx.foreach(AdminState.links, _link_row),
                    spacing="2",
                    width="100%",
                    class_name="link-list",
                ),
                rx.text("No links yet.", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def admin_page() -> rx.Component:
    """Both sections for an admin; for anyone else, the notice alone."""
    return page_layout(
        "Admin",
        "rx.form(on_submit=...) hands each form's data to the handler as an argument (the "
        "passwords are never kept in the State); rx.foreach tables, rx.alert_dialog.",
        routes.ADMIN,
        rx.cond(
            AdminState.allowed,
            rx.vstack(_accounts_section(), _links_section(), spacing="4", width="100%"),
            rx.cond(
                AdminState.loaded,
                rx.cond(
                    AccessState.open_access,
                    open_access_callout(
                        "No accounts yet, so there is nothing to manage: create the first "
                        "admin with ",
                        ", then sign in and come back here.",
                        class_name="not-admin",
                    ),
                    # High contrast: amber text on amber is under 4.5:1 in the light theme.
                    rx.callout(
                        NOT_ADMIN,
                        icon="lock",
                        color_scheme="amber",
                        high_contrast=True,
                        class_name="not-admin",
                    ),
                ),
            ),
        ),
    )
