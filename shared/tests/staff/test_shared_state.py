"""The sign-in state is in the staff store, not in a process: two apps built from the same
settings stand for two services (or one service before and after a restart). Each test runs on
SQLite and on PostgreSQL (``database_url_factory``)."""
import pytest

from vod_shared.staff.routes import SIGN_IN_FAILED

from .support import client_for, csrf_from, sign_in, sign_in_as

COOKIE = "vod_staff_session"


def session_cookie(client) -> str:
    return client.cookies[COOKIE]


def with_cookie(app, token: str, **kwargs):
    client = client_for(app, **kwargs)
    client.cookies.set(COOKIE, token, domain="dialogue.test")
    return client


async def sign_out(client, path: str = "/staff/logout"):
    form = await client.get("/staff/logout")
    assert form.status_code == 200
    response = await client.post(path, data={"csrf_token": csrf_from(form.text)})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    return response


async def test_a_session_begun_on_one_service_is_good_on_another(service, shared_settings,
                                                                  screener, clock):
    intake, screening = service(shared_settings), service(shared_settings)
    async with client_for(intake) as browser:
        await sign_in_as(browser, screener, clock)
        token = session_cookie(browser)
        assert (await browser.get("/api/queue")).status_code == 200

    async with with_cookie(screening, token) as same_browser:
        clock.advance(minutes=20)
        answer = await same_browser.get("/api/queue")
        assert answer.status_code == 200 and answer.json()["username"] == screener.username

    # Used on screening 20 minutes in, so another 20 minutes later it is still good on intake.
    clock.advance(minutes=20)
    async with with_cookie(intake, token) as same_browser:
        assert (await same_browser.get("/api/queue")).status_code == 200


async def test_signing_out_on_one_service_ends_the_session_on_every_service(
        service, shared_settings, screener, clock):
    intake, screening = service(shared_settings), service(shared_settings)
    async with client_for(intake) as browser:
        await sign_in_as(browser, screener, clock)
        token = session_cookie(browser)
        await sign_out(browser)
        assert COOKIE not in browser.cookies

    # The cookie, kept (copied, say, before signing out), opens nothing anywhere.
    for app in (intake, screening):
        async with with_cookie(app, token) as replay:
            assert (await replay.get("/api/queue")).status_code == 401
            assert (await replay.get("/staff/queue")).status_code == 303


async def test_signing_out_everywhere_ends_the_other_sessions_too(service, shared_settings,
                                                                   screener, facilitator, clock):
    intake, screening = service(shared_settings), service(shared_settings)
    async with client_for(intake) as desk, client_for(screening) as laptop, \
            client_for(screening) as colleague:
        await sign_in_as(desk, screener, clock)
        clock.advance(seconds=30)
        await sign_in_as(laptop, screener, clock)
        await sign_in_as(colleague, facilitator, clock)
        assert (await laptop.get("/api/queue")).status_code == 200

        # Without the form's token, nothing ends.
        refused = await desk.post("/staff/logout-everywhere", data={"csrf_token": "forged"})
        assert refused.status_code == 400 and "Sign out everywhere" in refused.text
        assert (await laptop.get("/api/queue")).status_code == 200

        await sign_out(desk, "/staff/logout-everywhere")

        assert (await desk.get("/staff/queue")).status_code == 303
        assert (await laptop.get("/api/queue")).status_code == 401
        # Someone else's session goes on.
        assert (await colleague.get("/staff/queue")).status_code == 200


async def test_a_code_used_on_one_service_is_refused_on_another(service, shared_settings,
                                                                 screener, clock):
    intake, screening = service(shared_settings), service(shared_settings)
    code = screener.code(clock)
    async with client_for(intake) as first, client_for(screening) as second:
        assert (await sign_in(first, screener.username, screener.password, code)).status_code == 303
        replayed = await sign_in(second, screener.username, screener.password, code)
        assert replayed.status_code == 400 and SIGN_IN_FAILED in replayed.text

        clock.advance(seconds=30)
        assert (await sign_in_as(second, screener, clock)).status_code == 303


async def test_ten_failures_lock_the_account_on_every_service_and_after_a_restart(
        service, shared_settings, screener, facilitator, clock):
    intake, screening = service(shared_settings), service(shared_settings)
    for app, address in ((intake, "192.0.2.10"), (screening, "198.51.100.7")):
        async with client_for(app, address=address) as guesser:
            for _ in range(5):
                failed = await sign_in(guesser, screener.username, "wrong password!", "000000")
                assert failed.status_code == 400
                clock.advance(seconds=20)

    # From a third address, on either service, with the right password and code: locked.
    for app in (intake, screening):
        async with client_for(app, address="203.0.113.5") as owner:
            locked = await sign_in(owner, screener.username, screener.password,
                                   screener.code(clock))
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0

    # Both services restarted: the lock is in the store, not in them.
    intake, screening = service(shared_settings), service(shared_settings)
    async with client_for(screening, address="203.0.113.5") as owner:
        locked = await sign_in(owner, screener.username, screener.password, screener.code(clock))
        assert locked.status_code == 429
        # Another member is not locked by it.
        assert (await sign_in_as(owner, facilitator, clock)).status_code == 303

    clock.advance(minutes=15)
    async with client_for(intake, address="203.0.113.5") as owner:
        assert (await sign_in_as(owner, screener, clock)).status_code == 303


async def test_a_session_outlives_a_restart_and_a_new_password_ends_it_everywhere(
        service, shared_settings, screener, clock, staff_file):
    import io

    from vod_shared.staff.cli import main as staff_command

    from .support import FAST_HASHER

    async with client_for(service(shared_settings)) as browser:
        await sign_in_as(browser, screener, clock)
        token = session_cookie(browser)
    intake, screening = service(shared_settings), service(shared_settings)
    async with with_cookie(intake, token) as browser:
        assert (await browser.get("/api/queue")).status_code == 200

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    try:
        assert staff_command(["--file", str(staff_file), "set-password", screener.username,
                              "--password-stdin"], hasher=FAST_HASHER) == 0
    finally:
        monkeypatch.undo()

    for app in (screening, intake):
        async with with_cookie(app, token) as browser:
            assert (await browser.get("/api/queue")).status_code == 401
