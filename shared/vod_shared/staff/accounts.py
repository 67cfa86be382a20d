"""The staff file: one TOML table per account, read by every service, written by the command.

    [[staff]]
    username = "ana"
    display_name = "Ana Reyes"
    roles = ["screener"]
    password_hash = "$argon2id$..."
    totp_secret = "BASE32..."
    disabled = false
"""
import fcntl
import json
import os
import secrets
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vod_shared.staff.model import Role

log = structlog.get_logger("vod.staff")

USERNAME_PATTERN = r"^[a-z][a-z0-9._-]{0,63}$"
HEADER = ("# Dialogue staff accounts. Managed with `python -m vod_shared.staff`;\n"
          "# holds password hashes and second-factor secrets: keep it private (mode 0600).\n")


class StaffAccount(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str = Field(pattern=USERNAME_PATTERN)
    display_name: str = Field(min_length=1, max_length=200)
    roles: tuple[Role, ...] = Field(min_length=1)
    password_hash: str = Field(repr=False)
    totp_secret: str = Field(repr=False, pattern=r"^[A-Z2-7]{16,}=*$")
    disabled: bool = False

    def changed(self, **changes) -> "StaffAccount":
        """A copy with ``changes``, validated like an entry read from the file."""
        return StaffAccount.model_validate({**self.model_dump(), **changes})


class StaffFileError(ValueError):
    pass


def parse(text: str, *, strict: bool = False) -> dict[str, StaffAccount]:
    """Accounts by username. An entry that is not valid is left out (fail closed) and logged,
    or, when ``strict``, refused with StaffFileError."""
    data = tomllib.loads(text)
    entries = data.get("staff", [])
    if not isinstance(entries, list):
        raise StaffFileError("`staff` must be an array of tables ([[staff]])")
    accounts: dict[str, StaffAccount] = {}
    duplicates: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            account = StaffAccount.model_validate(entry)
        except ValidationError as exc:
            fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
            if strict:
                raise StaffFileError(
                    f"entry {index + 1} is not valid: {', '.join(fields)}") from None
            log.error("staff_file.entry_invalid", index=index, fields=fields)
            continue
        if account.username in accounts or account.username in duplicates:
            if strict:
                raise StaffFileError(f"entry {index + 1} repeats a username")
            log.error("staff_file.duplicate_username", index=index)
            duplicates.add(account.username)
            accounts.pop(account.username, None)  # no copy: which one was meant is unknown
            continue
        accounts[account.username] = account
    return accounts


def _toml_string(value: str) -> str:
    # A JSON string without ASCII escaping is a valid TOML basic string, bar DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def dump(accounts: dict[str, StaffAccount]) -> str:
    parts = [HEADER]
    for account in sorted(accounts.values(), key=lambda a: a.username):
        roles = ", ".join(_toml_string(role.value) for role in account.roles)
        parts.append(
            f"\n[[staff]]\nusername = {_toml_string(account.username)}\n"
            f"display_name = {_toml_string(account.display_name)}\nroles = [{roles}]\n"
            f"password_hash = {_toml_string(account.password_hash)}\n"
            f"totp_secret = {_toml_string(account.totp_secret)}\n"
            f"disabled = {'true' if account.disabled else 'false'}\n")
    return "".join(parts)


def read_accounts(path: Path, *, strict: bool = False) -> dict[str, StaffAccount]:
    try:
        return parse(path.read_text(encoding="utf-8"), strict=strict)
    except FileNotFoundError:
        return {}


def write_accounts(path: Path, accounts: dict[str, StaffAccount]) -> None:
    """Replaces the file atomically (a reader sees the old or the new one), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(dump(accounts))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def editing(path: Path) -> Iterator[dict[str, StaffAccount]]:
    """The accounts to change in place; written back on leaving, one editor at a time.
    Refuses a file with a damaged entry rather than drop that entry on writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            accounts = read_accounts(path, strict=True)
        except tomllib.TOMLDecodeError as exc:
            raise StaffFileError(f"{path} is not valid TOML: {exc}") from None
        yield accounts
        write_accounts(path, accounts)


_UNREAD = object()


class StaffFile:
    """The accounts as the file says now: re-read whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: object = _UNREAD
        self._accounts: dict[str, StaffAccount] = {}
        # Counts the reads of a changed file: a reader keeping what it last saw knows to act.
        self.generation = 0

    def accounts(self) -> dict[str, StaffAccount]:
        try:
            stat = self.path.stat()
            signature: tuple | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            signature = None
        if signature != self._seen:
            self._accounts = self._load(signature)
            self._seen = signature
            self.generation += 1
        return self._accounts

    def get(self, username: str) -> StaffAccount | None:
        return self.accounts().get(username)

    def _load(self, signature: tuple | None) -> dict[str, StaffAccount]:
        if signature is None:
            log.warning("staff_file.missing", path=str(self.path))
            return {}
        try:
            accounts = read_accounts(self.path)
        except (tomllib.TOMLDecodeError, StaffFileError, UnicodeDecodeError) as exc:
            # Fail closed: a broken file must not keep a just-disabled account signed in.
            log.error("staff_file.unreadable", path=str(self.path), error=str(exc))
            return {}
        log.info("staff_file.loaded", path=str(self.path), accounts=len(accounts))
        return accounts
