from vod_shared.staff.routes import SIGN_IN_FAILED

from .support import client_for, sign_in


async def test_five_failures_in_fifteen_minutes_lock_that_username_from_that_address(app, screener, clock):
    async with client_for(app, address="192.0.2.10") as client:
        for _ in range(5):
            failed = await sign_in(client, screener.username, "wrong password!", screener.code(clock))
            assert failed.status_code == 400 and SIGN_IN_FAILED in failed.text
            clock.advance(seconds=31)

        # Even the right password and code are refused for now.
        limited = await sign_in(client, screener.username, screener.password, screener.code(clock))
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "Too many failed sign-ins" in limited.text

    async with client_for(app, address="198.51.100.7") as elsewhere:
        assert (await sign_in(elsewhere, screener.username, screener.password,
                              screener.code(clock))).status_code == 303

    clock.advance(minutes=15)
    async with client_for(app, address="192.0.2.10") as client:
        assert (await sign_in(client, screener.username, screener.password,
                              screener.code(clock))).status_code == 303


async def test_unknown_usernames_are_limited_too(app, clock):
    async with client_for(app) as client:
        for _ in range(5):
            assert (await sign_in(client, "nobody", "guess number n", "123456")).status_code == 400
        assert (await sign_in(client, "nobody", "guess number n", "123456")).status_code == 429
