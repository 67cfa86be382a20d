"""The staff store itself: made once however many services start together, and kept small."""
import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from vod_shared.staff import StaffSettings, StaffStore
from vod_shared.staff.ratelimit import SignInLimiter
from vod_shared.staff.sessions import ServerSessions
from vod_shared.staff.store import sign_in_failures, staff_sessions, used_codes
from vod_shared.staff.totp import UsedCodes

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_by_default_every_service_of_a_machine_uses_one_file_beside_the_staff_file(tmp_path):
    settings = StaffSettings(VOD_DATA_DIR=str(tmp_path))
    assert settings.effective_staff_database_url() == f"sqlite+aiosqlite:///{tmp_path}/staff.db"
    elsewhere = StaffSettings(VOD_STAFF_FILE=str(tmp_path / "etc" / "people.toml"))
    assert elsewhere.effective_staff_database_url().endswith(f"{tmp_path}/etc/people.db")
    url = "postgresql+asyncpg://staff:pw@db/staff"
    assert StaffSettings(STAFF_DATABASE_URL=url).effective_staff_database_url() == url


async def test_four_services_starting_at_once_make_the_tables_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/staff.db"
    stores = [StaffStore(url) for _ in range(4)]
    try:
        await asyncio.gather(*(store.start() for store in stores))
        async with stores[0].transaction() as db:
            versions = (await db.execute(text("SELECT version_num FROM staff_alembic_version"))).all()
        assert versions == [("staff_0002",)]
    finally:
        for store in stores:
            await store.close()


async def test_what_can_no_longer_matter_is_deleted(tmp_path):
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/staff.db")
    try:
        sessions = ServerSessions(store, idle=timedelta(minutes=30))
        limiter, codes = SignInLimiter(store), UsedCodes(store)
        await sessions.begin("ana", "stamp", NOW)
        await limiter.begin("ana", "192.0.2.1", NOW)
        assert await codes.claim("ana", 1000, NOW)
        assert not await codes.claim("ana", 999, NOW)  # older than one used: refused too

        later = NOW + timedelta(hours=1)
        await sessions.begin("ben", "stamp", later)
        await limiter.begin("ben", "192.0.2.1", later)
        assert await codes.claim("ben", 1120, later)

        async with store.transaction() as db:
            for table in (staff_sessions, sign_in_failures, used_codes):
                left = (await db.execute(select(func.count()).select_from(table))).scalar_one()
                assert left == 1, table.name
    finally:
        await store.close()


def test_a_service_signs_in_on_the_store_its_runtime_migrates_and_closes(tmp_path):
    from vod_shared.runtime import ServiceRuntime
    from vod_shared.settings import ServiceSettings

    settings = ServiceSettings(VOD_DATA_DIR=str(tmp_path), STAFF_SESSION_SECRET="s" * 40)
    runtime = ServiceRuntime(settings, migrations_dir=tmp_path)
    app = runtime.create_app(title="a service")
    assert app.state.staff_auth.store is runtime.staff_store
    assert runtime.staff_store.url == f"sqlite+aiosqlite:///{tmp_path}/staff.db"


def test_a_service_sending_people_to_the_sign_in_service_starts_without_a_staff_file(tmp_path):
    from vod_shared.runtime import ServiceRuntime
    from vod_shared.settings import ServiceSettings

    settings = ServiceSettings(VOD_DATA_DIR=str(tmp_path), STAFF_SECRET="s" * 40,
                               STAFF_SIGN_IN_URL="https://screening.staff.example.org/staff/login",
                               STAFF_COOKIE_DOMAIN="staff.example.org")
    app = ServiceRuntime(settings, migrations_dir=tmp_path).create_app(title="a service")
    auth = app.state.staff_auth
    assert auth.authenticator is None and not auth.signs_in
    assert not settings.effective_staff_file().exists()
