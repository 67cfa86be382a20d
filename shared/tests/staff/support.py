"""Helpers for the staff tests: a fake clock, people with passwords and authenticator apps,
a miniature service, and signing in through the form."""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
import pyotp
from argon2 import PasswordHasher
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from vod_shared.problems import install_problem_handlers
from vod_shared.staff import (Role, StaffAccount, StaffAuth, StaffMember, csrf_token,
                              current_staff, require_csrf, require_roles)

# Cheap parameters keep the tests fast; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
BASE_URL = "http://dialogue.test"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, 3, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Person:
    username: str
    password: str
    totp_secret: str
    roles: tuple[Role, ...]

    def code(self, clock: FakeClock) -> str:
        return pyotp.TOTP(self.totp_secret).at(clock())


def make_person(username: str, *roles: Role) -> Person:
    return Person(username, secrets.token_urlsafe(16), pyotp.random_base32(), roles)


def account(person: Person, *, disabled: bool = False) -> StaffAccount:
    return StaffAccount(username=person.username, display_name=person.username.title(),
                        roles=person.roles, password_hash=FAST_HASHER.hash(person.password),
                        totp_secret=person.totp_secret, disabled=disabled)


def make_app(auth: StaffAuth) -> FastAPI:
    """A service in miniature: the sign-in pages, one JSON API and one page."""
    app = FastAPI()
    install_problem_handlers(app)
    auth.install(app)

    @app.get("/api/queue")
    async def queue(staff: StaffMember = Depends(require_roles(Role.SCREENER))) -> dict:
        return {"username": staff.username, "roles": sorted(staff.roles)}

    @app.get("/staff/queue")
    async def queue_page(staff: StaffMember = Depends(current_staff)) -> HTMLResponse:
        return HTMLResponse(f"<h1>Queue</h1><p>Signed in as {staff.display_name}</p>")

    @app.get("/staff/notes")
    async def notes_page(request: Request,
                         staff: StaffMember = Depends(current_staff)) -> HTMLResponse:
        return HTMLResponse(f'<form method="post"><input type="hidden" name="csrf_token" '
                            f'value="{csrf_token(request)}"><button>Save</button></form>')

    @app.post("/staff/notes", dependencies=[Depends(require_csrf)])
    async def save_note(staff: StaffMember = Depends(current_staff)) -> dict:
        return {"saved_by": staff.username}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app


def client_for(app: FastAPI, *, address: str = "192.0.2.10",
               base_url: str = BASE_URL) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50123))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str, code: str,
                  *, next: str | None = None) -> httpx.Response:
    page = await client.get("/staff/login", params={"next": next} if next else None)
    form = {"username": username, "password": password, "code": code,
            "csrf_token": csrf_from(page.text), "next": next or ""}
    return await client.post("/staff/login", data=form)


async def sign_in_as(client: httpx.AsyncClient, person: Person, clock: FakeClock,
                     **kwargs) -> httpx.Response:
    response = await sign_in(client, person.username, person.password, person.code(clock), **kwargs)
    assert response.status_code == 303, response.text
    return response
