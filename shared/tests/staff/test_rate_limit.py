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


async def test_failed_and_limited_sign_ins_are_counted_by_reason_never_by_name(
        settings, clock):
    from vod_shared.metrics import ServiceMetrics
    from vod_shared.staff import StaffAuth

    from .support import FAST_HASHER, make_app

    metrics = ServiceMetrics()
    auth = StaffAuth.from_settings(settings, clock=clock, hasher=FAST_HASHER, metrics=metrics)
    try:
        async with client_for(make_app(auth), address="192.0.2.10") as client:
            for _ in range(6):
                await sign_in(client, "ana.lopez@example.org", "wrong password!", "000000")
    finally:
        await auth.store.close()
    assert metrics.signin_failures.value("credentials") == 5
    assert metrics.signin_failures.value("rate_limited") == 1
    page = await metrics.render()
    assert 'vod_signin_failures_total{reason="credentials"} 5.0' in page
    assert "ana.lopez" not in page and "192.0.2" not in page
