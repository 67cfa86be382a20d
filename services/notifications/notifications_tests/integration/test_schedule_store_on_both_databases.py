"""The store's new queries on SQLite and on PostgreSQL: what was told of a dialogue (read back
from the delivery facts), dropping what waited of an earlier version, a reminder that keeps its
own time through a hold, and alerts to the staff mailbox, which has no contact row."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vod_shared.events import CasePaused, CaseResumed

from notifications.domain.staff import STAFF_MAILBOX as TO_STAFF

from ..support import STAFF_MAILBOX, Harness, eligibility, new_id, request, session

pytestmark = pytest.mark.integration

DIALOGUE = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.fixture
async def store(database_url_factory, tmp_path, clock):
    harness = await Harness(database_url_factory("notifications"), tmp_path / "keys", clock,
                            staff_mailbox=STAFF_MAILBOX).start()
    yield harness
    await harness.close()


async def test_the_dialogues_deliveries_and_staff_alerts_on_either_database(store, clock):
    person, case = new_id(), new_id()
    await store.person(person)
    await store.deliver(request(case, person, at=clock()), subject=case)
    first = session(case, starts_at=DIALOGUE)
    await store.deliver(first, subject=case)
    await store.send_due()
    later = DIALOGUE + timedelta(days=7)
    await store.deliver(session(case, starts_at=later, session_id=first.session_id, sequence=1),
                        subject=case)
    await store.deliver(CasePaused(case_id=case, by="facilitator", reason="x", at=clock()),
                        subject=case)
    clock.move(hours=1)
    await store.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    await store.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await store.send_due()

    rows = [(d.template, d.recipient_id == TO_STAFF, d.status, d.due_at)
            for d in await store.deliveries(subject=case)]
    assert [r[:3] for r in rows] == [
        ("request_acknowledged", False, "sent"),
        ("session_invitation", False, "sent"), ("session_reminder", False, "cancelled"),
        ("session_invitation", False, "sent"), ("session_reminder", False, "pending"),
        ("case_on_hold", False, "sent"), ("case_resumed", False, "sent"),
        ("eligibility_needs_review", False, "sent"), ("staff_needs_review", True, "sent")]
    assert rows[4][3] == later - timedelta(days=1)  # the hold did not pull it forward
    assert [m["to"] for m in store.email.sent].count(STAFF_MAILBOX) == 1
