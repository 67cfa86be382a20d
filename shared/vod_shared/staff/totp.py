"""The second factor: RFC 6238 codes (6 digits, 30-s steps), each usable once."""
import hmac
from datetime import datetime

import pyotp

ISSUER = "Dialogue"
STEP_SECONDS = 30
# A code from the step before or after is accepted too: phones' clocks drift.
DRIFT_STEPS = 1


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


class UsedSteps:
    """Remembers the last step each member signed in with, so a code seen once is refused after.
    (In memory, per process.)"""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def claim(self, username: str, step: int) -> bool:
        if step <= self._last.get(username, -1):
            return False
        self._last[username] = step
        return True
