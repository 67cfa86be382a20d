"""The second factor: RFC 6238 codes (6 digits, 30-s steps), each usable once."""
import hmac
from datetime import datetime

import pyotp
from sqlalchemy import delete, select

from vod_shared.db import insert_or_ignore
from vod_shared.staff.store import StaffStore, used_codes, utc

ISSUER = "Dialogue"
STEP_SECONDS = 30
# A code from the step before or after is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
# Used codes are kept this many steps (5 minutes), well past the drift and services' clock skew.
PRUNE_AFTER_STEPS = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, or None. Compares every candidate in constant time."""
    code = code.replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        code = ""  # compare_digest refuses non-ASCII text
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


class UsedCodes:
    """The codes already used, by member and time step, in the staff store: a code seen once is
    refused on every service, and so is an older one after a newer one was used."""

    def __init__(self, store: StaffStore) -> None:
        self.store = store

    async def claim(self, username: str, step: int, now: datetime) -> bool:
        async with self.store.transaction() as db:
            added = await db.execute(insert_or_ignore(
                db, used_codes, "username", "step", username=username, step=step,
                used_at=utc(now)))
            if not added.rowcount:
                return False
            newer = (await db.execute(select(used_codes.c.step).where(
                used_codes.c.username == username, used_codes.c.step > step).limit(1))).first()
            # A code can no longer be valid some steps after its own (drift, services' clocks).
            await db.execute(delete(used_codes).where(used_codes.c.step < step - PRUNE_AFTER_STEPS))
        return newer is None
