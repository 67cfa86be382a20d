"""The staff file as an Authenticator: argon2id password, then a TOTP code usable once (on
any service: the used codes are in the staff store)."""
import hashlib
from collections.abc import Callable
from datetime import datetime

from argon2 import PasswordHasher
from starlette.concurrency import run_in_threadpool

from vod_shared.staff import totp
from vod_shared.staff.accounts import StaffAccount, StaffFile
from vod_shared.staff.model import StaffMember
from vod_shared.staff.passwords import verify_password


def member_of(account: StaffAccount) -> StaffMember:
    stamp = hashlib.sha256(f"{account.password_hash}\0{account.totp_secret}".encode()).hexdigest()
    return StaffMember(account.username, account.display_name, frozenset(account.roles),
                       credential_stamp=stamp[:16])


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

    def lookup(self, username: str) -> StaffMember | None:
        account = self.staff_file.get(username)
        if account is None or account.disabled:
            return None
        return member_of(account)
