from datetime import datetime, timezone

import pytest

from .support import LINK_SECRET, STAFF_MAILBOX, FakeClock, Harness

# 03:00 in Los Angeles (PST), a Thursday: the middle of the night for a Californian.
NIGHT_IN_CALIFORNIA = datetime(2026, 11, 19, 11, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 19, 18, 0, tzinfo=timezone.utc))  # 10:00 in California


@pytest.fixture
async def harness(tmp_path, clock):
    service = await Harness(f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
                            tmp_path / "keys", clock).start()
    yield service
    await service.close()


@pytest.fixture
async def configured(tmp_path, clock):
    """The service with a staff mailbox for alerts and the victim's own links switched on."""
    service = await Harness(f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
                            tmp_path / "keys", clock, staff_mailbox=STAFF_MAILBOX,
                            link_secret=LINK_SECRET).start()
    yield service
    await service.close()
