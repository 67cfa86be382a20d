"""One service signs staff in (it holds the staff file); another, built without the staff file
and with a secret of its own (``STAFF_SIGN_IN_URL``), sends people there and authorizes them
from the staff store alone. One browser (cookies shared across the staff hosts under the cookie
domain) goes between the two hosts. Each test runs on SQLite and on PostgreSQL."""
import io
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from vod_shared.staff import StaffAuth, StaffSettings
from vod_shared.staff.cli import main as staff_command

from .support import FAST_HASHER, csrf_from

DOMAIN = "staff.test"
SIGN_IN = f"http://screening.{DOMAIN}/staff/login"
INTAKE = f"http://intake.{DOMAIN}"
COOKIE = "vod_staff_session"


class Hosts(httpx.AsyncBaseTransport):
    """One browser, several hosts: each request goes to the app serving its host."""

    def __init__(self, apps: dict) -> None:
        self.transports = {host: httpx.ASGITransport(app=app, client=("192.0.2.10", 50123))
                           for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


@pytest.fixture
def signing_settings(shared_settings) -> StaffSettings:
    """The sign-in service: the staff file, the staff store, the cookie for the parent domain."""
    return shared_settings.model_copy(update={"cookie_domain": DOMAIN})


@pytest.fixture
def remote_settings(shared_settings, tmp_path) -> StaffSettings:
    """Another service: the same staff store, no staff file, a secret of its own."""
    folder = tmp_path / "intake-data"
    settings = StaffSettings(VOD_DATA_DIR=str(folder),
                             STAFF_DATABASE_URL=shared_settings.effective_staff_database_url(),
                             STAFF_SECRET=secrets.token_urlsafe(40), STAFF_SIGN_IN_URL=SIGN_IN,
                             STAFF_COOKIE_DOMAIN=DOMAIN)
    assert not settings.effective_staff_file().exists()
    assert settings.session_secret.get_secret_value() != \
        shared_settings.session_secret.get_secret_value()
    return settings


@pytest.fixture
def hosts(service, signing_settings, remote_settings):
    screening, intake = service(signing_settings), service(remote_settings)
    assert intake.state.staff_auth.authenticator is None  # it never opens a staff file
    return {f"screening.{DOMAIN}": screening, f"intake.{DOMAIN}": intake}


@pytest.fixture
async def browser(hosts):
    async with httpx.AsyncClient(transport=Hosts(hosts), base_url=INTAKE) as client:
        yield client


async def sign_in_on_screening(browser, person, clock, *, next_: str) -> httpx.Response:
    page = await browser.get(SIGN_IN, params={"next": next_})
    assert page.status_code == 200
    return await browser.post(SIGN_IN, data={
        "username": person.username, "password": person.password, "code": person.code(clock),
        "csrf_token": csrf_from(page.text), "next": next_})


async def test_a_member_signs_in_once_and_the_other_service_lets_her_in_by_her_roles(
        browser, screener, facilitator, clock):
    # Not signed in on intake: its page sends her to intake's sign-in, which sends her on to
    # the sign-in service with the whole address to come back to.
    page = await browser.get("/staff/queue", params={"view": "oldest"})
    assert page.status_code == 303
    local = await browser.get(page.headers["location"])
    assert local.status_code == 303
    target = urlsplit(local.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == SIGN_IN
    assert parse_qs(target.query)["next"] == [f"{INTAKE}/staff/queue?view=oldest"]

    form = await browser.get(local.headers["location"])
    assert form.status_code == 200
    assert f'value="{INTAKE}/staff/queue?view=oldest"' in form.text.replace("&amp;", "&")
    # The form may lead on to the staff hosts (its redirect is checked by the browser's CSP).
    assert f"form-action 'self' {DOMAIN} *.{DOMAIN};" in form.headers["content-security-policy"]

    signed_in = await sign_in_on_screening(browser, screener, clock,
                                           next_=f"{INTAKE}/staff/queue?view=oldest")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"{INTAKE}/staff/queue?view=oldest"
    set_cookie = signed_in.headers["set-cookie"]
    assert f"{COOKIE}=" in set_cookie and f"Domain={DOMAIN}" in set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie

    answer = await browser.get(signed_in.headers["location"])
    assert answer.status_code == 200 and "Signed in as" in answer.text
    assert (await browser.get("/api/queue")).json()["username"] == screener.username
    # Signed in already: intake's sign-in page sends her straight on.
    again = await browser.get("/staff/login", params={"next": "/staff/queue"})
    assert again.status_code == 303 and again.headers["location"] == "/staff/queue"

    # Someone else, without the role intake's API asks for: 403 there, by the store's roles.
    await browser.post(f"http://intake.{DOMAIN}/staff/logout", data={
        "csrf_token": csrf_from((await browser.get("/staff/logout")).text)})
    assert (await sign_in_on_screening(browser, facilitator, clock,
                                       next_=f"{INTAKE}/api/queue")).status_code == 303
    refused = await browser.get("/api/queue")
    assert refused.status_code == 403 and "screener" in refused.json()["detail"]
    assert (await browser.get("/staff/queue")).status_code == 200


async def test_a_next_on_a_host_outside_the_cookie_domain_is_refused(browser, hosts, screener,
                                                                     clock):
    for foreign in ("http://evil.test/staff/", "https://staff.test.evil.test/",
                    f"https://evil{DOMAIN}/", f"https://user@intake.{DOMAIN}@evil.test/",
                    f"https://evil.test\\@intake.{DOMAIN}/", "//evil.test/", "javascript:alert(1)",
                    f"ftp://intake.{DOMAIN}/", f"https://intake.{DOMAIN}:x/"):
        form = await browser.get(SIGN_IN, params={"next": foreign})
        assert re.search(r'name="next" value="([^"]*)"', form.text).group(1) == "/staff/", foreign

    signed_in = await sign_in_on_screening(browser, screener, clock, next_="https://evil.test/x")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/"
    # Signed in, the form page sends her on only to a host of the cookie domain.
    onwards = await browser.get(SIGN_IN, params={"next": "https://evil.test/x"})
    assert onwards.status_code == 303 and onwards.headers["location"] == "/staff/"
    allowed = await browser.get(SIGN_IN, params={"next": f"https://scheduling.{DOMAIN}/staff/"})
    assert allowed.headers["location"] == f"https://scheduling.{DOMAIN}/staff/"

    # Intake passes on only its own pages, or the staff hosts'.
    async with httpx.AsyncClient(transport=Hosts(hosts), base_url=INTAKE) as stranger:
        passed = await stranger.get("/staff/login", params={"next": "https://evil.test/x"})
    assert parse_qs(urlsplit(passed.headers["location"]).query)["next"] == [f"{INTAKE}/staff/"]


async def test_the_other_service_signs_no_one_in_itself(hosts, screener, clock):
    intake = hosts[f"intake.{DOMAIN}"]
    async with httpx.AsyncClient(transport=Hosts(hosts), base_url=INTAKE) as browser:
        posted = await browser.post("/staff/login", data={
            "username": screener.username, "password": screener.password,
            "code": screener.code(clock), "next": "/staff/queue"})
        assert posted.status_code == 303 and posted.headers["location"].startswith(SIGN_IN + "?")
        assert COOKIE not in browser.cookies
        # Its API names the sign-in service as where to sign in.
        answer = await browser.get("/api/queue")
        assert answer.status_code == 401 and f'form-action="{SIGN_IN}"' in answer.headers[
            "www-authenticate"]
    assert intake.state.staff_auth.authenticator is None


async def test_the_command_changes_roles_and_disables_at_once_on_the_other_service(
        browser, screener, clock, staff_file, shared_settings, monkeypatch):
    await sign_in_on_screening(browser, screener, clock, next_="/staff/")
    assert (await browser.get("/api/queue")).status_code == 200
    # The command finds the staff store as the services do.
    monkeypatch.setenv("STAFF_DATABASE_URL", shared_settings.effective_staff_database_url())

    assert staff_command(["--file", str(staff_file), "set-roles", screener.username,
                          "--role", "intake"]) == 0
    assert (await browser.get("/api/queue")).status_code == 403
    assert (await browser.get("/staff/queue")).status_code == 200  # still signed in
    assert staff_command(["--file", str(staff_file), "set-roles", screener.username,
                          "--role", "screener"]) == 0
    assert (await browser.get("/api/queue")).status_code == 200

    assert staff_command(["--file", str(staff_file), "disable", screener.username]) == 0
    assert (await browser.get("/api/queue")).status_code == 401
    assert (await browser.get(f"http://screening.{DOMAIN}/api/queue")).status_code == 401
    assert staff_command(["--file", str(staff_file), "enable", screener.username]) == 0
    assert (await browser.get("/api/queue")).status_code == 401  # her sessions ended


async def test_a_new_password_ends_her_sessions_on_the_other_service_at_once(
        browser, screener, clock, staff_file, shared_settings, monkeypatch):
    await sign_in_on_screening(browser, screener, clock, next_="/staff/")
    monkeypatch.setenv("STAFF_DATABASE_URL", shared_settings.effective_staff_database_url())
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))

    assert staff_command(["--file", str(staff_file), "set-password", screener.username,
                          "--password-stdin"], hasher=FAST_HASHER) == 0

    assert (await browser.get("/api/queue")).status_code == 401


async def test_a_hand_edit_of_the_staff_file_reaches_the_other_service_through_the_sign_in_service(
        browser, screener, clock, staff_file):
    from vod_shared.staff.accounts import editing

    await sign_in_on_screening(browser, screener, clock, next_="/staff/")
    with editing(staff_file) as accounts:  # not by the command: the store is not told
        accounts[screener.username] = accounts[screener.username].changed(roles=["intake"])
    # Once the sign-in service sees the changed file (on its next request), so does the store.
    assert (await browser.get(f"http://screening.{DOMAIN}/healthz")).status_code == 200
    assert (await browser.get(f"http://screening.{DOMAIN}/staff/queue")).status_code == 200
    assert (await browser.get("/api/queue")).status_code == 403


async def test_signing_out_on_the_other_service_ends_the_session_everywhere(browser, hosts,
                                                                           screener, clock):
    await sign_in_on_screening(browser, screener, clock, next_="/staff/")
    token = browser.cookies[COOKIE]

    # Intake's own CSRF token (its own secret): screening's would not do.
    screening_form = await browser.get(f"http://screening.{DOMAIN}/staff/logout")
    refused = await browser.post("/staff/logout",
                                 data={"csrf_token": csrf_from(screening_form.text)})
    assert refused.status_code == 400
    form = await browser.get("/staff/logout")
    signed_out = await browser.post("/staff/logout", data={"csrf_token": csrf_from(form.text)})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/staff/login"
    assert f"Domain={DOMAIN}" in signed_out.headers["set-cookie"]
    assert COOKIE not in browser.cookies

    async with httpx.AsyncClient(transport=Hosts(hosts), base_url=INTAKE) as replay:
        replay.cookies.set(COOKIE, token, domain=f".{DOMAIN}")
        for host in ("intake", "screening"):  # the cookie, kept, opens nothing anywhere
            answer = await replay.get(f"http://{host}.{DOMAIN}/api/queue")
            assert answer.status_code == 401, host


def test_the_sign_in_address_must_be_absolute_and_on_a_host_the_cookie_reaches(tmp_path):
    with pytest.raises(ValueError, match="absolute"):
        StaffSettings(STAFF_SIGN_IN_URL="/staff/login")
    with pytest.raises(ValueError, match="under STAFF_COOKIE_DOMAIN"):
        StaffSettings(STAFF_SIGN_IN_URL="https://login.example.org/staff/login",
                      STAFF_COOKIE_DOMAIN=DOMAIN)
    settings = StaffSettings(STAFF_SIGN_IN_URL=SIGN_IN, STAFF_COOKIE_DOMAIN=f".{DOMAIN}")
    assert settings.effective_cookie_domain() == DOMAIN
    # The secret's old name is still read; the new one wins.
    assert StaffSettings(STAFF_SESSION_SECRET="o" * 40).session_secret.get_secret_value() == "o" * 40
    both = StaffSettings(STAFF_SECRET="n" * 40, STAFF_SESSION_SECRET="o" * 40)
    assert both.effective_session_secret() == "n" * 40


async def test_a_staff_file_that_cannot_be_read_fails_closed_on_the_other_service_too(
        browser, screener, clock, staff_file):
    await sign_in_on_screening(browser, screener, clock, next_="/staff/")
    token = browser.cookies[COOKIE]
    good = staff_file.read_text()
    staff_file.write_text(good + "\n[[staff]\n")  # broken TOML, as a hand edit might leave it

    assert (await browser.get(f"http://screening.{DOMAIN}/healthz")).status_code == 200
    assert (await browser.get("/api/queue")).status_code == 200  # not seen by screening yet
    assert (await browser.get(f"http://screening.{DOMAIN}/api/queue")).status_code == 401
    browser.cookies.set(COOKIE, token, domain=f".{DOMAIN}")  # kept, though cleared just now
    assert (await browser.get("/api/queue")).status_code == 401

    staff_file.write_text(good)  # mended: she is let in again (her credentials are the same)
    assert (await browser.get(f"http://screening.{DOMAIN}/healthz")).status_code == 200
    assert (await browser.get(f"http://screening.{DOMAIN}/staff/login")).status_code == 200
    browser.cookies.set(COOKIE, token, domain=f".{DOMAIN}")
    assert (await browser.get("/api/queue")).status_code == 200
