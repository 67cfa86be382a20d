"""``python -m vod_shared.staff``: add and change staff accounts in the staff file.

A change that matters to a signed-in member (disabled, enabled, new roles, a new password or
second factor) is also written at once to the staff store (``STAFF_DATABASE_URL``, else the
file beside the staff file, as the services find it), from which every service authorizes; a
disabled account, a new password or second factor also end the member's sessions there."""
import argparse
import asyncio
import getpass
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from argon2 import PasswordHasher

from vod_shared.staff import totp
from vod_shared.staff.accounts import (USERNAME_PATTERN, StaffAccount, StaffFileError, editing,
                                       read_accounts)
from vod_shared.staff.authenticator import entry_of
from vod_shared.staff.directory import AccountDirectory
from vod_shared.staff.sessions import ServerSessions
from vod_shared.staff.store import StaffStore
from vod_shared.staff.model import Role
from vod_shared.staff.passwords import WeakPassword, check_policy, hash_password
from vod_shared.staff.settings import StaffSettings


class CommandError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vod_shared.staff",
                                     description="Add and change accounts in the staff file.")
    parser.add_argument("--file", type=Path, help="the staff file (default: VOD_STAFF_FILE, "
                                                  "else $VOD_DATA_DIR/staff.toml)")
    commands = parser.add_subparsers(dest="command", required=True)
    roles = dict(choices=[role.value for role in Role], action="append", required=True,
                 metavar="ROLE", help=f"one of {', '.join(r.value for r in Role)}; repeat for more")
    add = commands.add_parser("add", help="add an account; prints its second-factor secret once")
    add.add_argument("username")
    add.add_argument("--role", **roles)
    add.add_argument("--name", help="the name staff see (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    password = commands.add_parser("set-password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    commands.add_parser("reset-totp", help="a new second-factor secret").add_argument("username")
    commands.add_parser("disable", help="refuse sign-in and end sessions").add_argument("username")
    commands.add_parser("enable", help="allow sign-in again").add_argument("username")
    set_roles = commands.add_parser("set-roles", help="replace an account's roles")
    set_roles.add_argument("username")
    set_roles.add_argument("--role", **roles)
    commands.add_parser("list", help="the accounts, without secrets")
    return parser


class Command:
    def __init__(self, path: Path, *, out: TextIO, stdin: TextIO,
                 ask: Callable[[str], str], hasher: PasswordHasher | None,
                 store_url: str | None = None) -> None:
        self.path, self.out, self.stdin, self.ask, self.hasher = path, out, stdin, ask, hasher
        self.store_url = store_url

    def add(self, args: argparse.Namespace) -> None:
        if args.username in read_accounts(self.path, strict=True):
            raise CommandError(f"{args.username} already has an account")
        password = self._password(args.password_stdin)
        secret = totp.new_secret()
        with editing(self.path) as accounts:
            if args.username in accounts:
                raise CommandError(f"{args.username} already has an account")
            accounts[args.username] = StaffAccount(
                username=args.username, display_name=(args.name or args.username).strip(),
                roles=_roles(args.role), password_hash=hash_password(password, self.hasher),
                totp_secret=secret)
        print(f"Added {args.username} ({', '.join(_roles(args.role))}).", file=self.out)
        self._show_totp(args.username, secret)

    def set_password(self, args: argparse.Namespace) -> None:
        password_hash = hash_password(self._password(args.password_stdin), self.hasher)
        self._change(args.username, end_sessions=True, password_hash=password_hash)
        print(f"New password set for {args.username}; their sessions have ended.", file=self.out)

    def reset_totp(self, args: argparse.Namespace) -> None:
        secret = totp.new_secret()
        self._change(args.username, end_sessions=True, totp_secret=secret)
        print(f"New second-factor secret for {args.username}; their sessions have ended.",
              file=self.out)
        self._show_totp(args.username, secret)

    def disable(self, args: argparse.Namespace) -> None:
        self._change(args.username, end_sessions=True, disabled=True)
        print(f"Disabled {args.username}; their sessions have ended.", file=self.out)

    def enable(self, args: argparse.Namespace) -> None:
        self._change(args.username, disabled=False)
        print(f"Enabled {args.username}.", file=self.out)

    def set_roles(self, args: argparse.Namespace) -> None:
        self._change(args.username, roles=_roles(args.role))
        print(f"{args.username} now has: {', '.join(_roles(args.role))}.", file=self.out)

    def list(self, _args: argparse.Namespace) -> None:
        accounts = read_accounts(self.path, strict=True)
        if not accounts:
            print(f"No accounts in {self.path}.", file=self.out)
        for account in sorted(accounts.values(), key=lambda a: a.username):
            state = "disabled" if account.disabled else "active"
            print(f"{account.username}\t{account.display_name}\t"
                  f"{','.join(role.value for role in account.roles)}\t{state}", file=self.out)

    def _change(self, username: str, *, end_sessions: bool = False, **changes) -> None:
        with editing(self.path) as accounts:
            if username not in accounts:
                raise CommandError(f"{username} has no account")
            accounts[username] = account = accounts[username].changed(**changes)
        if self.store_url:
            self._publish(account, end_sessions=end_sessions)

    def _publish(self, account: StaffAccount, *, end_sessions: bool) -> None:
        """The account as the store keeps it for the services, and its sessions ended."""
        try:
            _run(_publish(self.store_url, account, end_sessions=end_sessions))
        except Exception as exc:  # the file is changed: say what is not
            raise CommandError(
                f"{self.path} is changed, but the staff store could not be ({type(exc).__name__}"
                f"): services go on with the old account until the service holding the staff "
                f"file sees the change, or until this command is run again with "
                f"STAFF_DATABASE_URL reachable") from None

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = self.stdin.readline().rstrip("\r\n")
        else:
            password = self.ask("Password: ")
            if self.ask("Password again: ") != password:
                raise CommandError("the two passwords differ")
        try:
            check_policy(password)
        except WeakPassword as exc:
            raise CommandError(str(exc)) from None
        return password

    def _show_totp(self, username: str, secret: str) -> None:
        print("Add it to an authenticator app now (shown only this once), by a QR code of the\n"
              "address or by typing the secret:", file=self.out)
        print(f"  {totp.provisioning_uri(secret, username)}", file=self.out)
        print(f"  secret: {secret}", file=self.out)


def _run(coroutine) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    # Called from code already in an event loop (a test, say): a loop of its own, in a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _publish(url: str, account: StaffAccount, *, end_sessions: bool) -> None:
    now = datetime.now(timezone.utc)
    store = StaffStore(url)
    try:
        await AccountDirectory(store).put([entry_of(account)], now)
        if end_sessions:
            await ServerSessions(store).end_all(account.username, now)
    finally:
        await store.close()


def _roles(values: Sequence[str]) -> tuple[Role, ...]:
    return tuple(dict.fromkeys(Role(value) for value in values))


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         stdin: TextIO | None = None, ask: Callable[[str], str] = getpass.getpass,
         hasher: PasswordHasher | None = None) -> int:
    args = _parser().parse_args(argv)
    if hasattr(args, "username"):
        args.username = args.username.strip().lower()
        if not re.fullmatch(USERNAME_PATTERN, args.username):
            print("A username is 1–64 lowercase letters, digits, '.', '_' or '-', starting "
                  "with a letter.", file=sys.stderr)
            return 2
    settings = StaffSettings()
    if args.file:
        settings = settings.model_copy(update={"staff_file": args.file})
    command = Command(settings.effective_staff_file(), out=out or sys.stdout,
                      stdin=stdin or sys.stdin, ask=ask, hasher=hasher,
                      store_url=settings.effective_staff_database_url())
    try:
        getattr(command, args.command.replace("-", "_"))(args)
    except (CommandError, StaffFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
