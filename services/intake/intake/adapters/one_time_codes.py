"""One-time secrets kept only as hashes: the door's email token and six-digit codes, and the
codes for changes on her page. Each try is counted in the same statement that reads the row
(so tries at once cannot share one count), and a secret is used by deleting its row (so a
double press cannot use it twice)."""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain.door import CODE_ATTEMPTS


def secret_hash(secret: str, *, salt: str = "") -> str:
    """``salt``: the row's id, for short codes (a million codes would share hashes otherwise)."""
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


@dataclass(frozen=True)
class Tried:
    right: bool
    left: int  # tries left after this one


async def try_code(session: AsyncSession, table: Table, key, key_value: str, code: str, *,
                   hash_column, now: datetime) -> Tried | None:
    """Counts one try at the code of the row ``key == key_value``; None when there is no such
    row still open (unknown, expired, or out of tries). Out of tries, the row is deleted. A
    right code leaves the row for the caller to ``take`` with what it confirms."""
    counted = (await session.execute(
        update(table).where(key == key_value, table.c.attempts < CODE_ATTEMPTS,
                            table.c.expires_at > now)
        .values(attempts=table.c.attempts + 1).returning(hash_column, table.c.attempts))).first()
    if counted is None:
        return None
    stored, attempts = counted
    right = hmac.compare_digest(stored, secret_hash(code.strip(), salt=key_value))
    left = CODE_ATTEMPTS - attempts
    if not right and left <= 0:
        await session.execute(delete(table).where(key == key_value))
    return Tried(right, left)


async def take(session: AsyncSession, table: Table, which, *, now: datetime):
    """Deletes and returns the row ``which`` if it has not expired; None if it is gone (used
    by a press at the same moment, or expired)."""
    return (await session.execute(delete(table).where(which, table.c.expires_at > now)
                                  .returning(*table.c))).first()
