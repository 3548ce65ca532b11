"""Manage the app's accounts: ``python -m upload_demo.users add|list|disable|enable|...``.

The first account closes the app: from then on everything needs a sign-in (see
access.py). Passwords are asked twice without echo, or read from the environment
variable ``UPLOAD_DEMO_PASSWORD`` when it is set (for scripts). Run it from the
project directory: it reads the same database as the app (``rxconfig.py``,
``REFLEX_DB_URL``). It never migrates: on a database the app has not migrated
yet it says so and exits 2. Exit status: 0 on success, 2 on a usage error or an
account that cannot be made or changed (the reason on stderr).
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import reflex as rx
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.exc

from upload_demo import accounts, reflex_internals
from upload_demo.accounts import AccountError
from upload_demo.models import ADMIN, MEMBER

#: The table the access migration made: without it the database is not migrated yet.
ACCOUNT_TABLE = "account"

#: Read instead of asking, when set (scripts, CI).
PASSWORD_ENV = "UPLOAD_DEMO_PASSWORD"


class NotReady(Exception):
    """The database cannot be used yet (missing, unreachable or not migrated)."""


def _check_database() -> None:
    """NotReady unless the configured database exists and has the account table."""
    url_text = reflex_internals.db_url()
    if not url_text:
        raise NotReady("no database is configured (db_url in rxconfig.py, REFLEX_DB_URL)")
    url = sqlalchemy.engine.make_url(url_text)
    shown = url.render_as_string(hide_password=True)
    not_migrated = (
        f"the database {shown} is not migrated: run `reflex db migrate` (or `make run`, which "
        "does) first"
    )
    # Opening a SQLite file that does not exist would create it: say so instead.
    is_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if is_file and not Path(str(url.database)).exists():
        raise NotReady(not_migrated)
    try:
        with rx.session() as session:
            present = sqlalchemy.inspect(session.connection()).has_table(ACCOUNT_TABLE)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise NotReady(
            f"the database {shown} cannot be opened ({exc.__class__.__name__})"
        ) from None
    if not present:
        raise NotReady(not_migrated)


def _password(prompt: str = "Password") -> str:
    """From ``UPLOAD_DEMO_PASSWORD``, else asked twice without echo."""
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return accounts.check_password(given)
    first = getpass.getpass(f"{prompt}: ")
    accounts.check_password(first)
    if getpass.getpass(f"{prompt} again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "never"
    return f"{moment.replace(tzinfo=None):%Y-%m-%d %H:%M} UTC"


def _list() -> None:
    found = accounts.all_accounts()
    if not found:
        print("No accounts: the app is open to everyone on this machine (loopback only).")
        return
    rows = [("NAME", "ROLE", "STATE", "CREATED", "LAST SIGN-IN")]
    rows += [
        (
            a.name,
            a.role,
            "disabled" if a.disabled else "enabled",
            _when(a.created_at),
            _when(a.last_sign_in_at),
        )
        for a in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m upload_demo.users",
        description=(
            "Manage the accounts of upload_demo. Once one account exists, the app requires "
            "sign-in. Passwords (at least "
            f"{accounts.MIN_PASSWORD_LENGTH} characters) are asked twice, or read from the "
            f"environment variable {PASSWORD_ENV} when it is set (for scripts)."
        ),
        epilog="Exit status: 0 on success, 2 on a usage error or a refused change.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account (a member unless --admin)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may delete files and manage accounts")
    commands.add_parser("list", help="every account: name, role, state, created, last sign-in")
    for command, text in (
        ("disable", "stop an account signing in; its sessions end"),
        ("enable", "let a disabled account sign in again"),
        ("set-password", f"a new password (asked, or {PASSWORD_ENV}); its sessions end"),
    ):
        commands.add_parser(command, help=text).add_argument("name")
    role = commands.add_parser("set-role", help="make an account an admin or a member")
    role.add_argument("name")
    role.add_argument("role", choices=accounts.ROLES)
    return parser


def _run(args: argparse.Namespace) -> None:
    command: str = args.command
    if command == "list":
        _list()
        return
    name = accounts.clean_name(args.name)
    if command == "add":
        first = not accounts.any_account()
        made = accounts.create(name, _password(), ADMIN if args.admin else MEMBER)
        print(f"Created {made.role} {made.name}.")
        if first:
            print("This is the first account: the app now requires sign-in.")
    elif command in ("disable", "enable"):
        accounts.set_disabled(name, disabled=command == "disable")
        print(f"{name} is {command}d.")
    elif command == "set-password":
        accounts.set_password(name, _password("New password"))
        print(f"New password set for {name}; its sessions have ended.")
    elif command == "set-role":
        accounts.set_role(name, args.role)
        print(f"{name} is now {'an' if args.role == ADMIN else 'a'} {args.role}.")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        _check_database()
        _run(args)
    except (AccountError, NotReady) as exc:
        print(f"upload_demo.users: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("upload_demo.users: cancelled, nothing changed", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
