from datetime import timedelta

from .support import sign_in_as


async def test_a_session_ends_after_thirty_idle_minutes(client, screener, clock):
    await sign_in_as(client, screener, clock)

    clock.advance(minutes=29)
    assert (await client.get("/api/queue")).status_code == 200
    # That request renewed the cookie: another 29 minutes are fine.
    clock.advance(minutes=29)
    assert (await client.get("/staff/queue")).status_code == 200

    clock.advance(minutes=30, seconds=1)
    assert (await client.get("/api/queue")).status_code == 401
    assert (await client.get("/staff/queue")).status_code == 303


async def test_a_session_ends_after_twelve_hours_however_busy(client, screener, clock):
    await sign_in_as(client, screener, clock)

    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        assert (await client.get("/api/queue")).status_code == 200
    clock.advance(minutes=20, seconds=1)

    assert (await client.get("/api/queue")).status_code == 401


async def test_the_idle_timeout_comes_from_the_settings(settings, clock, screener):
    from vod_shared.staff import StaffAuth, StaffSettings

    from .support import FAST_HASHER, client_for, make_app

    short = StaffSettings(**{"VOD_DATA_DIR": str(settings.data_dir),
                             "VOD_STAFF_FILE": str(settings.staff_file),
                             "STAFF_SESSION_SECRET": settings.session_secret.get_secret_value(),
                             "STAFF_SESSION_IDLE_MINUTES": "5"})
    auth = StaffAuth.from_settings(short, clock=clock, hasher=FAST_HASHER)
    assert auth.sessions.idle == timedelta(minutes=5)
    async with client_for(make_app(auth)) as client:
        await sign_in_as(client, screener, clock)
        clock.advance(minutes=5, seconds=1)
        assert (await client.get("/api/queue")).status_code == 401
