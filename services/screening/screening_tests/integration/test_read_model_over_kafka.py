"""The read model over the real broker: events from every topic make the case's timeline, the
victim's travel need and name are kept sealed and open with the keys intake grants screening on
vod.keys, and a transfer voids clearances, announced on the screening topic."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from vod_devtools.migrated import migrated
from vod_devtools.testing import IntakeSealer, produce, read_topic, wait_until
from vod_shared import events as e
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.keybook import held_keys
from vod_shared.person_keys import CONTACT, LOGISTICS, NAME, grant_record_key
from vod_shared.sealing import KeyDirectory

from screening.bootstrap import MIGRATIONS, bootstrap
from screening.domain.clearances import Clearance, ClearanceStatus

from ..conftest import new_cdcr_number, request_for
from .support import settings_for

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


def record(data, *, subject: str, source: str) -> tuple[bytes, bytes]:
    kafka = to_kafka(new_envelope(data, source=source, subject=subject))
    return kafka.key, kafka.value


def grants(intake: IntakeSealer, reader: str, subjects=None) -> list[tuple[bytes, bytes]]:
    """Intake's grants of the keys it made to ``reader``, as records on vod.keys (keyed by
    subject and reader)."""
    return [record(granted, subject=grant_record_key(granted.subject_id, reader),
                   source="/services/intake") for granted in intake.grants(reader, subjects)]


async def test_every_topic_tells_the_timeline_and_a_transfer_voids_clearances(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    settings = settings_for(kafka_bootstrap, topic_prefix, database_url_factory("screening"), tmp_path)
    topics = settings.topics
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    cdcr = new_cdcr_number()
    intake = IntakeSealer(tmp_path / "keys")
    # Out of state: intake seals the travel need under the case's key, the name for staff
    # under the person's, and grants screening the keys on vod.keys.
    request = request_for(cdcr)
    request = request.model_copy(update={"logistics": intake.seal(
        {"offer_travel_accommodation": True}, LOGISTICS, about=request.case_id)})
    case_id = request.case_id
    contact = intake.seal({"given_name": "Ana", "family_name": "López",
                           "email": "ana@example.org"}, CONTACT, about=request.requester_id)
    name = intake.seal({"given_name": "Ana", "family_name": "López"}, NAME,
                       about=request.requester_id)

    async def lines() -> list:
        async with runtime.uow() as uow:
            return await uow.timeline.of_case(case_id)

    async with runtime.lifespan(app):
        await produce(kafka_bootstrap, topics.people, record(e.PersonRegistered(
            person_id=request.requester_id, sealed=contact, staff_view=name, at=NOW),
            subject=request.requester_id, source="/services/intake"))
        await produce(kafka_bootstrap, topics.keys, *grants(intake, "screening"))
        await produce(kafka_bootstrap, topics.intake,
                      record(request, subject=case_id, source="/services/intake"))
        await produce(kafka_bootstrap, topics.scheduling, record(e.FacilitatorAssigned(
            case_id=case_id, facilitator_ids=["f-1"], staff_accounts={"f-1": "maria"}, at=NOW),
            subject=case_id, source="/services/scheduling"))
        await produce(kafka_bootstrap, topics.notifications, record(e.NotificationSent(
            notification_id="n-1", cause_event_id="c-1", recipient_id=request.requester_id,
            channel="sms", template="acknowledgement", sent_at=NOW),
            subject=case_id, source="/services/notifications"))
        assert await wait_until(lambda: _has(lines, 4), timeout=30)
        assert await wait_until(lambda: _held(runtime, 2), timeout=30)

        async with runtime.uow() as uow:
            assert await uow.people.sealed(request.requester_id) is not None
            await uow.clearances.add(Clearance(
                "cl-1", case_id, request.requester_id, e.VisitorRole.VICTIM, "SQ", NOW, "rosa",
                ClearanceStatus.GRANTED, NOW, "rosa", date.today() + timedelta(days=60)))
            await uow.commit()
        await produce(kafka_bootstrap, topics.custody, record(e.CustodyStatusChanged(
            change_id=str(uuid.uuid4()), cdcr_number=cdcr, change="transfer",
            status="in_prison", facility_code="CMF", previous_facility_code="SQ",
            effective_at=NOW), subject=cdcr, source="/services/screening"))
        published = await read_topic(kafka_bootstrap, topics.screening, at_least=2, settle=0.5)

    async with runtime.uow() as uow:
        names = app.state.names
        assert await names.travel_offered(uow.session, await uow.cases.logistics(case_id),
                                          about=case_id) is True
        assert await names.full_name(uow.session, await uow.people.sealed(request.requester_id),
                                     about=request.requester_id) == "Ana López"
    types = [line.event_type for line in await lines()]
    assert types[:1] == ["vod.RequestReceived.v1"] and {
        "vod.FacilitatorAssigned.v1", "vod.NotificationSent.v1",
        "vod.CustodyStatusChanged.v1", "vod.ClearanceVoided.v1"} <= set(types)
    voided = [from_kafka(r.value) for r in published]
    voided = [v for v in voided if v.type == "vod.ClearanceVoided.v1"]
    assert [(v.subject, v.data.facility_code, v.data.reason) for v in voided] == [
        (case_id, "SQ", "offender_transferred")]
    await runtime.engine.dispose()


async def _has(lines, count: int) -> bool:
    return len(await lines()) >= count


async def _held(runtime, count: int) -> bool:
    async with runtime.engine.connect() as conn:
        return len((await conn.execute(select(held_keys))).all()) >= count
