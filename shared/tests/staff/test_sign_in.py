import re

import pytest
from argon2 import PasswordHasher

from vod_shared.staff import StaffAuth

from vod_shared.staff.routes import SIGN_IN_FAILED

from .support import client_for, csrf_from, make_app, sign_in, sign_in_as


async def test_the_right_password_and_code_sign_in_and_the_cookie_lets_you_in(client, screener, clock):
    response = await sign_in_as(client, screener, clock, next="/staff/queue")

    assert response.headers["location"] == "/staff/queue"
    session_cookie = next(h for h in response.headers.get_list("set-cookie")
                          if h.startswith("vod_staff_session="))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
    assert "secure" not in session_cookie.lower()  # plain http here
    api = await client.get("/api/queue")
    assert api.status_code == 200 and api.json()["username"] == screener.username
    page = await client.get("/staff/queue")
    assert page.status_code == 200 and screener.username.title() in page.text


async def test_the_cookie_is_secure_over_https(app, screener, clock):
    async with client_for(app, base_url="https://dialogue.test") as client:
        response = await sign_in_as(client, screener, clock)
    cookies = [h.lower() for h in response.headers.get_list("set-cookie")]
    assert all("; secure" in header for header in cookies)


@pytest.mark.parametrize("mistake", ["password", "code", "unknown user", "all"])
async def test_any_mistake_gets_the_same_message(client, screener, clock, mistake):
    username, password, code = screener.username, screener.password, screener.code(clock)
    if mistake in ("password", "all"):
        password += "x"
    if mistake in ("code", "all"):
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    if mistake in ("unknown user", "all"):
        username = "nobody"

    response = await sign_in(client, username, password, code)

    assert response.status_code == 400
    assert SIGN_IN_FAILED in response.text
    assert "vod_staff_session=" not in response.headers.get("set-cookie", "")
    assert (await client.get("/api/queue")).status_code == 401


async def test_a_code_is_used_only_once(app, screener, clock):
    code = screener.code(clock)
    async with client_for(app) as first, client_for(app) as second:
        assert (await sign_in(first, screener.username, screener.password, code)).status_code == 303
        again = await sign_in(second, screener.username, screener.password, code)
        assert again.status_code == 400 and SIGN_IN_FAILED in again.text

        clock.advance(seconds=30)
        assert (await sign_in_as(second, screener, clock)).status_code == 303


async def test_a_form_without_its_csrf_token_signs_no_one_in(client, screener, clock):
    await client.get("/staff/login")
    response = await client.post("/staff/login", data={
        "username": screener.username, "password": screener.password,
        "code": screener.code(clock), "csrf_token": "forged"})
    assert response.status_code == 400 and "expired" in response.text
    assert (await client.get("/api/queue")).status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "staff/queue"])
async def test_sign_in_goes_on_only_to_a_local_path(client, screener, clock, target):
    response = await sign_in_as(client, screener, clock, next=target)
    assert response.headers["location"] == "/staff/"


async def test_the_form_is_labelled_and_works_without_javascript(client):
    page = await client.get("/staff/login?next=/staff/queue")
    html = page.text
    assert page.status_code == 200 and "<script" not in html
    assert re.search(r'<form method="post" action="/staff/login"', html)
    for field, autocomplete in [("username", "username"), ("password", "current-password"),
                                ("code", "one-time-code")]:
        assert f'<label for="{field}">' in html
        assert re.search(rf'id="{field}" name="{field}"[^>]*autocomplete="{autocomplete}"', html, re.S)
    assert 'name="next" value="/staff/queue"' in html
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_signing_out_ends_the_session(client, screener, clock):
    await sign_in_as(client, screener, clock)
    page = await client.get("/staff/login")  # signed in: goes on to the staff home
    assert page.status_code == 303

    refused = await client.post("/staff/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 400 and (await client.get("/api/queue")).status_code == 200

    response = await client.post("/staff/logout", data={"csrf_token": csrf_from(refused.text)})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert (await client.get("/api/queue")).status_code == 401


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password) -> bool:
        self.verified += 1
        return super().verify(hash, password)


async def test_an_unknown_username_costs_a_password_check_like_a_known_one(settings, clock, screener):
    hasher = CountingHasher()
    app = make_app(StaffAuth.from_settings(settings, clock=clock, hasher=hasher))
    async with client_for(app) as client:
        await sign_in(client, "nobody", screener.password, screener.code(clock))
        await sign_in(client, screener.username, "wrong password!", screener.code(clock))
    assert hasher.verified == 2


async def test_the_sign_out_page_offers_to_sign_out_here_or_everywhere(client, screener, clock):
    await sign_in_as(client, screener, clock)

    page = await client.get("/staff/logout")  # a link to it works too (nothing changes on GET)

    assert page.status_code == 200 and "<script" not in page.text
    assert re.search(r'<form method="post" action="/staff/logout">', page.text)
    assert re.search(r'<form method="post" action="/staff/logout-everywhere">', page.text)
    assert (await client.get("/api/queue")).status_code == 200
    response = await client.post("/staff/logout-everywhere",
                                 data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and (await client.get("/api/queue")).status_code == 401
