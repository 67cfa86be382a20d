import io
import re
import secrets

from pydantic import SecretStr

from vod_shared.staff import StaffAuth
from vod_shared.staff.accounts import editing
from vod_shared.staff.cli import main as staff_command

from .support import FAST_HASHER, client_for, csrf_from, make_app, sign_in_as


async def test_without_a_session_an_api_call_gets_a_401_problem(client):
    response = await client.get("/api/queue")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401 and response.json()["title"] == "Sign-in required"
    assert response.headers["www-authenticate"].startswith("Cookie ")


async def test_without_a_session_a_page_redirects_to_sign_in_and_back(client, screener, clock):
    response = await client.get("/staff/queue", params={"view": "oldest"})

    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=%2Fstaff%2Fqueue%3Fview%3Doldest"
    signed_in = await sign_in_as(client, screener, clock, next="/staff/queue?view=oldest")
    assert signed_in.headers["location"] == "/staff/queue?view=oldest"


async def test_public_paths_need_no_session(client):
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/staff/login")).status_code == 200


async def test_a_member_without_the_role_gets_a_403_problem(client, facilitator, clock):
    await sign_in_as(client, facilitator, clock)

    response = await client.get("/api/queue")

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "screener" in response.json()["detail"]
    assert (await client.get("/staff/queue")).status_code == 200  # any signed-in member


async def test_disabling_an_account_takes_effect_on_the_next_request(client, screener, clock, staff_file):
    await sign_in_as(client, screener, clock)
    assert (await client.get("/api/queue")).status_code == 200

    assert staff_command(["--file", str(staff_file), "disable", screener.username]) == 0

    assert (await client.get("/api/queue")).status_code == 401
    assert (await client.get("/staff/queue")).status_code == 303


async def test_removing_a_role_takes_effect_on_the_next_request(client, screener, clock, staff_file):
    await sign_in_as(client, screener, clock)

    with editing(staff_file) as accounts:
        accounts[screener.username] = accounts[screener.username].changed(roles=["intake"])

    assert (await client.get("/api/queue")).status_code == 403


async def test_a_new_password_ends_existing_sessions(client, screener, clock, staff_file, monkeypatch):
    await sign_in_as(client, screener, clock)

    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    assert staff_command(["--file", str(staff_file), "set-password", screener.username,
                          "--password-stdin"], hasher=FAST_HASHER) == 0

    assert (await client.get("/api/queue")).status_code == 401


async def test_a_tampered_cookie_is_refused_and_cleared(client, screener, clock):
    await sign_in_as(client, screener, clock)
    token = client.cookies["vod_staff_session"]
    client.cookies.set("vod_staff_session", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
                       domain="dialogue.test")

    response = await client.get("/api/queue")

    assert response.status_code == 401
    assert 'vod_staff_session=""' in response.headers["set-cookie"]


async def test_another_service_with_its_own_secret_accepts_the_session_by_the_store(
        client, screener, clock, settings):
    await sign_in_as(client, screener, clock)
    token = client.cookies["vod_staff_session"]

    # Its own secret (for its CSRF tokens): the session is trusted by the store alone.
    own_secret = settings.model_copy(update={"session_secret": SecretStr(secrets.token_urlsafe(40))})
    other_service = make_app(StaffAuth.from_settings(own_secret, clock=clock, hasher=FAST_HASHER))
    async with client_for(other_service) as other:
        other.cookies.set("vod_staff_session", token, domain="dialogue.test")
        assert (await other.get("/api/queue")).status_code == 200

    # A service on another staff store knows no such session.
    stranger = settings.model_copy(update={"staff_database_url": f"sqlite+aiosqlite:///"
                                           f"{settings.data_dir / secrets.token_hex(4)}.db"})
    foreign = make_app(StaffAuth.from_settings(stranger, clock=clock, hasher=FAST_HASHER))
    async with client_for(foreign) as other:
        other.cookies.set("vod_staff_session", token, domain="dialogue.test")
        assert (await other.get("/api/queue")).status_code == 401


async def test_the_cookie_is_a_random_256_bit_id_the_store_keeps_only_a_hash_of(
        client, auth, screener, clock):
    import hashlib

    from sqlalchemy import select

    from vod_shared.staff.store import staff_sessions

    await sign_in_as(client, screener, clock)
    token = client.cookies["vod_staff_session"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes, nothing else
    async with auth.store.transaction() as db:
        stored = (await db.execute(select(staff_sessions.c.session_hash))).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored


async def test_a_staff_form_needs_its_csrf_token(client, screener, clock):
    await sign_in_as(client, screener, clock)

    forged = await client.post("/staff/notes", data={"csrf_token": "forged"})
    # a page, with the workspace header (a person at a browser reads it)
    assert forged.status_code == 403 and forged.headers["content-type"].startswith("text/html")
    assert "<h1>The form has expired</h1>" in forged.text

    page = await client.get("/staff/notes")
    saved = await client.post("/staff/notes", data={"csrf_token": csrf_from(page.text)})
    assert saved.status_code == 200 and saved.json() == {"saved_by": screener.username}
    by_header = await client.post("/staff/notes", headers={"X-CSRF-Token": csrf_from(page.text)})
    assert by_header.status_code == 200
