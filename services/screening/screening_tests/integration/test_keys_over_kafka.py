"""People's keys over the real broker: a person and a request that arrive before intake's grants
are kept at once, sealed, and their name and travel need show on the staff page once the grants
come on vod.keys; an erasure (PersonErased with the case among its subjects) destroys screening's
copies, the page says the details were erased, and a grant seen again afterwards is not kept."""
import uuid
from datetime import datetime, timezone

import httpx
from aiokafka.partitioner import DefaultPartitioner
import pytest
from sqlalchemy import select

from vod_devtools.migrated import migrated
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import IntakeSealer, carries, produce, wait_until
from vod_shared import events as e
from vod_shared.keybook import erased_subjects, held_keys
from vod_shared.person_keys import CONTACT, LOGISTICS, NAME, grant_record_key
from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

from screening.bootstrap import MIGRATIONS, bootstrap

from ..conftest import new_cdcr_number, request_for
from .support import settings_for
from .test_read_model_over_kafka import grants, record

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)
INTAKE = "/services/intake"


async def test_details_show_once_their_keys_come_and_never_after_an_erasure(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    settings = settings_for(kafka_bootstrap, topic_prefix, database_url_factory("screening"), tmp_path)
    topics = settings.topics
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    intake = IntakeSealer(tmp_path / "keys")
    request = request_for(new_cdcr_number())
    case_id, person_id = request.case_id, request.requester_id
    request = request.model_copy(update={"logistics": intake.seal(
        {"offer_travel_accommodation": True}, LOGISTICS, about=case_id)})
    registered = e.PersonRegistered(
        person_id=person_id, at=NOW,
        sealed=intake.seal({"given_name": "Ana", "family_name": "López",
                            "email": "ana@example.org"}, CONTACT, about=person_id),
        staff_view=intake.seal({"given_name": "Ana", "family_name": "López"}, NAME,
                               about=person_id))
    other = str(uuid.uuid4())  # someone else, whose key screening keeps throughout
    intake.seal({"given_name": "Eli"}, NAME, about=other)
    staff = add_staff(settings.effective_staff_file(), "rosa", Role.SCREENER)

    async def held(*subjects: str) -> set[str]:
        async with runtime.engine.connect() as conn:
            return set((await conn.execute(select(held_keys.c.subject_id).where(
                held_keys.c.subject_id.in_(subjects)))).scalars())

    async with runtime.lifespan(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://screening") as browser:
        await sign_in(browser, staff)

        async def case() -> dict:
            answer = await browser.get(f"/api/cases/{case_id}")
            return answer.json() if answer.status_code == 200 else {}

        await produce(kafka_bootstrap, topics.people,
                      record(registered, subject=person_id, source=INTAKE))
        await produce(kafka_bootstrap, topics.intake, record(request, subject=case_id,
                                                             source=INTAKE))
        assert await wait_until(lambda: _opened(case), timeout=30)
        before = await case()
        assert before["requester_name"] is None and before["travel_accommodation"] is None
        assert not before["details_erased"]

        await produce(kafka_bootstrap, topics.keys, *grants(intake, "screening"))
        assert await wait_until(lambda: _name_shown(case), timeout=30)
        assert (await case())["travel_accommodation"] is True

        async def all_held() -> bool:  # the grants' partitions may come in separate batches
            return await held(person_id, case_id, other) == {person_id, case_id, other}
        assert await wait_until(all_held, timeout=30)

        await produce(kafka_bootstrap, topics.people, record(e.PersonErased(
            person_id=person_id, subjects=[case_id], at=NOW), subject=person_id, source=INTAKE))
        assert await wait_until(lambda: _erased(case), timeout=30)
        assert await held(person_id, case_id) == set()
        page = (await browser.get(f"/staff/cases/{case_id}")).text
        assert "(details erased)" in page and "Not known: details erased." in page
        assert not carries(page, "Ana") and not carries(page, "López")  # (a token may hold "Ana")

        # A grant seen again (before compaction removed it) is not kept: the subject is
        # erased. A grant for someone new behind each of them (on the same partition) shows
        # they were read.
        stale = grants(intake, "screening", [person_id, case_id])
        behind = [_subject_behind(key) for key, _ in stale]
        for subject in behind:
            intake.seal({"given_name": "Sol"}, NAME, about=subject)
        await produce(kafka_bootstrap, topics.keys, *stale,
                      *grants(intake, "screening", behind))
        assert await wait_until(lambda: _holds(held, *behind), timeout=30)
        assert await held(person_id, case_id) == set() and other in await held(other)
        assert not carries((await browser.get(f"/staff/cases/{case_id}")).text, "Ana")

    async with runtime.engine.connect() as conn:
        gone = set((await conn.execute(select(erased_subjects.c.subject_id))).scalars())
    assert gone == {person_id, case_id}
    await runtime.engine.dispose()


async def _opened(case) -> bool:
    return bool(await case())


async def _name_shown(case) -> bool:
    return (await case()).get("requester_name") == "Ana López"


async def _erased(case) -> bool:
    found = await case()
    return found.get("details_erased") is True and found.get("requester_name") is None


async def _holds(held, *subjects: str) -> bool:
    return await held(*subjects) == set(subjects)


def _subject_behind(record_key: bytes, partitions: int = 3) -> str:
    """A new subject whose grant lands on the same partition as ``record_key``'s, so it is read
    after it."""
    partition = DefaultPartitioner()
    while True:
        subject = str(uuid.uuid4())
        key = grant_record_key(subject, "screening").encode()
        if partition(key, list(range(partitions)), None) == partition(
                record_key, list(range(partitions)), None):
            return subject
