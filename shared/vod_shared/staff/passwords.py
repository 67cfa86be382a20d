"""Passwords: argon2id hashes (argon2-cffi's RFC 9106 low-memory profile by default)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024


class WeakPassword(ValueError):
    pass


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"A password may have at most {MAX_LENGTH} characters.")


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    check_policy(password)
    return (hasher or PasswordHasher()).hash(password)


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True if ``password`` matches; never raises for a wrong password or a damaged hash."""
    if len(password) > MAX_LENGTH:
        password = ""  # still verify, so an over-long guess costs the same time
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
