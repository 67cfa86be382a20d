import secrets
from pathlib import Path

import pytest
from fastapi import FastAPI

from vod_shared.staff import Role, StaffAuth, StaffSettings
from vod_shared.staff.accounts import write_accounts

from .support import FAST_HASHER, FakeClock, Person, account, client_for, make_app, make_person


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def screener() -> Person:
    return make_person(f"ana{secrets.token_hex(3)}", Role.SCREENER)


@pytest.fixture
def facilitator() -> Person:
    return make_person(f"ben{secrets.token_hex(3)}", Role.FACILITATOR)


@pytest.fixture
def staff_file(tmp_path: Path, screener: Person, facilitator: Person) -> Path:
    path = tmp_path / "staff.toml"
    write_accounts(path, {p.username: account(p) for p in (screener, facilitator)})
    return path


@pytest.fixture
def settings(tmp_path: Path, staff_file: Path) -> StaffSettings:
    return StaffSettings(VOD_DATA_DIR=str(tmp_path), VOD_STAFF_FILE=str(staff_file),
                         STAFF_SESSION_SECRET=secrets.token_urlsafe(40))


@pytest.fixture
async def auth(settings: StaffSettings, clock: FakeClock) -> StaffAuth:
    auth = StaffAuth.from_settings(settings, clock=clock, hasher=FAST_HASHER)
    yield auth
    await auth.store.close()


@pytest.fixture
async def service(clock: FakeClock):
    """``service(settings) -> app``: one more service on the staff store those settings name
    (two built from the same settings stand for two services, or one restarted)."""
    stores = []

    def build(settings: StaffSettings) -> FastAPI:
        auth = StaffAuth.from_settings(settings, clock=clock, hasher=FAST_HASHER)
        stores.append(auth.store)
        return make_app(auth)

    yield build
    for store in stores:
        await store.close()


@pytest.fixture
def shared_settings(settings: StaffSettings, database_url_factory) -> StaffSettings:
    """The staff settings with the staff store on SQLite, and on PostgreSQL (an integration
    test, as it starts a database server)."""
    return settings.model_copy(update={"staff_database_url": database_url_factory("staff")})


@pytest.fixture
def app(auth: StaffAuth) -> FastAPI:
    return make_app(auth)


@pytest.fixture
async def client(app: FastAPI):
    async with client_for(app) as client:
        yield client
