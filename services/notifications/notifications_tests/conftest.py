from datetime import datetime, timezone

import pytest

from .support import FakeClock, Harness

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
