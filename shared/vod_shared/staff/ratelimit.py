"""Failed sign-ins, counted in the staff store, to slow down guessing: five for one username from
one address, and ten for one username from anywhere, lock it for the window (for every service,
and after a restart too).

A try is counted as a failure when it begins and forgotten if it succeeds, so guesses sent side
by side on four services cannot all pass the check before any of them is counted; a try that
finds the limit already reached is refused and not counted.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from vod_shared.db import as_utc
from vod_shared.staff.store import StaffStore, sign_in_failures, utc

MAX_FIELD = 64


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str
    failure_id: int | None
    # Seconds until another try may be made, if this one is refused.
    wait: int | None = None


class SignInLimiter:
    def __init__(self, store: StaffStore, *, max_failures: int = 5,
                 max_account_failures: int = 10,
                 window: timedelta = timedelta(minutes=15)) -> None:
        self.store = store
        self.max_failures = max_failures  # one username from one address
        self.max_account_failures = max_account_failures  # one username from anywhere
        self.window = window

    async def begin(self, username: str, address: str, now: datetime) -> Attempt:
        """Counts a try; ``wait`` is set (and nothing counted) if the limit was reached."""
        username, address = username[:MAX_FIELD], address[:MAX_FIELD]
        cutoff = utc(now - self.window)
        async with self.store.transaction() as db:
            await db.execute(delete(sign_in_failures).where(sign_in_failures.c.failed_at <= cutoff))
            added = await db.execute(sign_in_failures.insert().values(
                username=username, address=address, failed_at=utc(now)))
            failure_id = added.inserted_primary_key[0]
        async with self.store.transaction() as db:
            # With this try counted, one more than the limit means the limit was reached before.
            wait = None
            for limit, where in (
                    (self.max_failures, (sign_in_failures.c.username == username,
                                         sign_in_failures.c.address == address)),
                    (self.max_account_failures, (sign_in_failures.c.username == username,))):
                oldest_that_counts = (await db.execute(
                    select(sign_in_failures.c.failed_at)
                    .where(*where, sign_in_failures.c.failed_at > cutoff)
                    .order_by(sign_in_failures.c.failed_at.desc(),
                              sign_in_failures.c.failure_id.desc())
                    .limit(1).offset(limit))).scalar_one_or_none()
                if oldest_that_counts is not None:
                    seconds = (as_utc(oldest_that_counts) + self.window - now).total_seconds()
                    wait = max(wait or 1, int(seconds) + 1)
            if wait is not None:
                await db.execute(delete(sign_in_failures).where(
                    sign_in_failures.c.failure_id == failure_id))
                return Attempt(username, address, None, wait)
        return Attempt(username, address, failure_id)

    async def succeeded(self, attempt: Attempt) -> None:
        """The try was right: it, and the earlier failures from that address, no longer count."""
        async with self.store.transaction() as db:
            await db.execute(delete(sign_in_failures).where(
                sign_in_failures.c.username == attempt.username,
                sign_in_failures.c.address == attempt.address))
