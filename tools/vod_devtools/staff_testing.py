"""Staff accounts for tests and demos: write one into a staff file, and sign in as it."""
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
from argon2 import PasswordHasher

from vod_shared.staff import Role, StaffAccount
from vod_shared.staff.accounts import editing

# Cheap argon2 parameters keep tests fast; the hash records them, so verifying works as usual.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass(frozen=True)
class StaffPerson:
    username: str
    password: str
    totp_secret: str

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


def add_staff(staff_file: Path, username: str, *roles: Role) -> StaffPerson:
    person = StaffPerson(username, secrets.token_urlsafe(16), pyotp.random_base32())
    with editing(staff_file) as accounts:
        accounts[username] = StaffAccount(
            username=username, display_name=username.title(), roles=roles,
            password_hash=FAST_HASHER.hash(person.password), totp_secret=person.totp_secret)
    return person


# A person's session cookie once signed in: the staff store is shared by every service, so a
# sign-in holds everywhere, and a one-time code is refused once used (on any service); signing
# the same person in on a second service within one code's 30 s reuses the session, as a
# browser does with cookies for the same host.
_SESSIONS: dict[tuple[str, str], dict[str, str]] = {}


async def sign_in(client: httpx.AsyncClient, person: StaffPerson) -> None:
    held = _SESSIONS.get((person.username, person.totp_secret))
    if held:
        client.cookies.update(held)
        page = await client.get("/staff/login", follow_redirects=False)
        if page.status_code == 303:  # already signed in, on this service too
            return
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post("/staff/login", data={
        "username": person.username, "password": person.password, "code": person.code(),
        "csrf_token": token, "next": ""})
    assert response.status_code == 303, response.text
    _SESSIONS[(person.username, person.totp_secret)] = {
        name: value for name, value in client.cookies.items() if name == "vod_staff_session"}
