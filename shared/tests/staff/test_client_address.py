"""Whose failures are counted: the peer, or behind a trusted proxy the client it names."""
import pytest
from pydantic import ValidationError
from starlette.requests import Request

from vod_shared.staff import StaffSettings
from vod_shared.staff.addresses import client_address, parse_networks

from .support import client_for, csrf_from, sign_in

PROXIES = parse_networks("10.0.0.0/8, 192.0.2.1, 2001:db8::/32")


def request_from(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 443), "headers": headers})


@pytest.mark.parametrize("peer, forwarded, expected", [
    # No proxy trusted, or a peer that is not one: the header is anyone's to write.
    ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
    # The proxy appended the address it was called from; what is left of it is the client's say.
    ("10.1.2.3", ["6.6.6.6, 203.0.113.9"], "203.0.113.9"),
    # Two proxies of ours in a row; several headers count as one list.
    ("10.1.2.3", ["6.6.6.6, 203.0.113.9", "10.9.9.9"], "203.0.113.9"),
    ("192.0.2.1", ["2001:db8::5, 2001:db8:1::7", "2001:4860::1"], "2001:4860::1"),
    # Every hop is ours (a call from inside): the farthest one.
    ("10.1.2.3", ["10.4.4.4, 10.5.5.5"], "10.4.4.4"),
    # A trusted proxy that sent no header: itself.
    ("10.1.2.3", [], "10.1.2.3"),
    ("::ffff:198.51.100.7", [], "198.51.100.7"),
])
def test_the_client_is_the_right_most_hop_that_is_not_a_trusted_proxy(peer, forwarded, expected):
    assert client_address(request_from(peer, *forwarded), PROXIES) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request_from("10.1.2.3", "203.0.113.9")) == "10.1.2.3"


def test_the_setting_takes_addresses_and_networks_and_refuses_anything_else():
    settings = StaffSettings(TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.1 ,::1")
    assert [str(n) for n in settings.trusted_proxy_networks()] == [
        "10.0.0.0/8", "192.0.2.1/32", "::1/128"]
    assert StaffSettings().trusted_proxy_networks() == ()
    with pytest.raises(ValidationError, match="proxy.example"):
        StaffSettings(TRUSTED_PROXIES="10.0.0.0/8, proxy.example")


async def test_behind_a_trusted_proxy_failures_count_for_the_forwarded_client(
        service, settings, screener, clock):
    app = service(settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}))

    async def try_from(client, forwarded: str, password: str = "wrong password!"):
        page = await client.get("/staff/login")
        return await client.post("/staff/login", headers={"x-forwarded-for": forwarded}, data={
            "username": screener.username, "password": password, "code": screener.code(clock),
            "csrf_token": csrf_from(page.text)})

    async with client_for(app, address="10.0.0.2") as proxy:
        for _ in range(5):
            assert (await try_from(proxy, "6.6.6.6, 203.0.113.9")).status_code == 400
        # The guesser is locked out, even when it claims another address further left...
        assert (await try_from(proxy, "198.51.100.1, 203.0.113.9")).status_code == 429
        # ...but the staff member behind the same proxy is not.
        right = await try_from(proxy, "198.51.100.20", screener.password)
        assert right.status_code == 303


async def test_a_peer_that_is_not_a_trusted_proxy_cannot_spread_its_failures(app, screener, clock):
    async with client_for(app, address="192.0.2.50") as guesser:
        for n in range(5):
            page = await guesser.get("/staff/login")
            await guesser.post("/staff/login", headers={"x-forwarded-for": f"203.0.113.{n}"}, data={
                "username": screener.username, "password": "wrong password!", "code": "000000",
                "csrf_token": csrf_from(page.text)})
        assert (await sign_in(guesser, screener.username, screener.password,
                              screener.code(clock))).status_code == 429


def test_the_session_cookie_is_for_the_parent_domain_of_the_staff_hosts():
    from starlette.requests import Request

    from vod_shared.staff.auth import cookie, expired_cookie

    class State:
        staff_auth = type("Auth", (), {"cookie_domain": "staff.example.org"})()

    app = type("App", (), {"state": State()})()
    request = Request({"type": "http", "scheme": "https", "app": app, "headers": [],
                       "server": ("screening.staff.example.org", 443), "path": "/"})
    set_cookie = cookie(request, "vod_staff_session", "token")
    assert "Domain=staff.example.org" in set_cookie and "Secure" in set_cookie
    assert "Domain=staff.example.org" in expired_cookie(request, "vod_staff_session")
