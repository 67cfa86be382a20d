"""The staff file as an Authenticator: argon2id password, then a TOTP code usable once (on
any service: the used codes are in the staff store). The service holding the file also keeps
the store's accounts (``directory.py``) as the file says, for the services that do not hold it."""
import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime

import structlog

from argon2 import PasswordHasher
from starlette.concurrency import run_in_threadpool

from vod_shared.staff import totp
from vod_shared.staff.accounts import StaffAccount, StaffFile
from vod_shared.staff.directory import AccountDirectory, DirectoryEntry
from vod_shared.staff.model import StaffMember
from vod_shared.staff.passwords import verify_password

log = structlog.get_logger("vod.staff")


def member_of(account: StaffAccount) -> StaffMember:
    stamp = hashlib.sha256(f"{account.password_hash}\0{account.totp_secret}".encode()).hexdigest()
    return StaffMember(account.username, account.display_name, frozenset(account.roles),
                       credential_stamp=stamp[:16])


def entry_of(account: StaffAccount) -> DirectoryEntry:
    """What the store keeps of an account: no password hash, no second-factor secret."""
    return DirectoryEntry.of(member_of(account), disabled=account.disabled)


class FileAuthenticator:
    def __init__(self, staff_file: StaffFile, *, clock: Callable[[], datetime],
                 used_codes: totp.UsedCodes, hasher: PasswordHasher | None = None) -> None:
        self.staff_file = staff_file
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self.used_codes = used_codes
        # Checked for unknown usernames, so that they take as long as known ones.
        self._decoy_hash = self.hasher.hash("decoy password, never anyone's")
        self._decoy_totp = totp.new_secret()
        self._published = 0  # the staff file's generation last written to the store
        self._publishing = asyncio.Lock()

    async def authenticate(self, username: str, password: str, code: str) -> StaffMember | None:
        account = self.staff_file.get(username)
        password_hash = account.password_hash if account else self._decoy_hash
        password_ok = await run_in_threadpool(verify_password, self.hasher, password_hash, password)
        now = self.clock()
        step = totp.matching_step(account.totp_secret if account else self._decoy_totp, code, now)
        if account is None or account.disabled or not password_ok or step is None:
            return None
        # Claimed only once all else is right, so a wrong password cannot burn a code.
        if not await self.used_codes.claim(account.username, step, now):
            return None
        return member_of(account)

    async def publish(self, directory: AccountDirectory, now: datetime) -> None:
        """Writes the accounts to the store if the staff file changed since last time (by the
        command or by hand). A file that cannot be read counts as no accounts, as it does for
        signing in: fail closed on every service, not only this one."""
        self.staff_file.accounts()  # re-read if it changed
        if self.staff_file.generation == self._published:
            return
        async with self._publishing:
            accounts = self.staff_file.accounts()
            generation = self.staff_file.generation
            if generation == self._published:
                return
            written = await directory.sync([entry_of(a) for a in accounts.values()], now)
            self._published = generation
        if written:
            log.info("staff_file.published", accounts=len(accounts), changed=written)
