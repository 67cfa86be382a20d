"""The custody feed and eligibility over the real broker and a real store (SQLite and
PostgreSQL): what another service reading the topics sees."""
import json
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from vod_devtools.migrated import migrated
from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import ActedBy, CaseClosed, CaseWithdrawn

from screening.adapters.orm import cases
from screening.bootstrap import MIGRATIONS, bootstrap
from screening.config import Settings

from ..conftest import SECRET, custody_change, new_cdcr_number, request_for, signed_headers

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


def _settings(kafka_bootstrap, topic_prefix, url) -> Settings:
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
                    SCREENING_DATABASE_URL=url, KAFKA_SESSION_TIMEOUT_MS=6000,
                    OUTBOX_POLL_INTERVAL_S=0.2, CONSUMER_RETRY_BACKOFF_S=0.05,
                    CUSTODY_WEBHOOK_SECRET=SECRET)


class Feed:
    """The corrections department calling the webhook."""

    def __init__(self, app) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://screening")

    async def send(self, body: dict, webhook_id: str | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        response = await self.http.post("/webhooks/custody", content=raw,
                                        headers=signed_headers(raw, webhook_id=webhook_id))
        assert response.status_code == 202, response.text
        return response


def _record(data, source="/services/intake"):
    record = to_kafka(new_envelope(data, source=source, subject=data.case_id))
    return record.key, record.value


async def test_a_custody_change_is_published_once_keyed_by_cdcr_number_even_when_sent_twice(
        kafka_bootstrap, topic_prefix, database_url_factory):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("screening"))
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    cdcr = new_cdcr_number()
    async with runtime.lifespan(app):
        feed = Feed(app)
        await feed.send(custody_change(cdcr_number=cdcr, change="admission",
                                       effective_at="2026-01-05T08:00:00-08:00"))
        first = await feed.send(custody_change(cdcr_number=cdcr.lower(), facility_code="CMF"),
                                webhook_id="msg_transfer_1")
        again = await feed.send(custody_change(cdcr_number=cdcr, facility_code="CMF"),
                                webhook_id="msg_transfer_1")
        published = await read_topic(kafka_bootstrap, settings.topics.custody, at_least=2, settle=2)
        await feed.http.aclose()

    assert again.json() == first.json()
    changes = [from_kafka(r.value) for r in published]
    assert [r.key.decode() for r in published] == [c.subject for c in changes] == [cdcr, cdcr]
    admission, transfer = (c.data for c in changes)
    assert (admission.change, admission.facility_code) == ("admission", "SQ")
    assert transfer.change_id == first.json()["change_id"]
    assert (transfer.previous_facility_code, transfer.facility_code) == ("SQ", "CMF")
    assert changes[0].source == "/services/screening"
    assert {c.type for c in changes} == {"vod.CustodyStatusChanged.v1"}


async def test_eligibility_is_decided_from_the_registry_and_again_when_custody_changes(
        kafka_bootstrap, topic_prefix, database_url_factory):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("screening"))
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    in_prison, paroled, jailed, unknown = (new_cdcr_number() for _ in range(4))
    requests = {name: request_for(cdcr) for name, cdcr in (
        ("in_prison", in_prison), ("paroled", paroled), ("jailed", jailed), ("unknown", unknown),
        ("paroled_withdrawn", paroled))}
    case = {name: request.case_id for name, request in requests.items()}

    async def status_of(case_id: str) -> str:
        async with runtime.engine.connect() as conn:
            return await conn.scalar(select(cases.c.status).where(cases.c.case_id == case_id))

    async with runtime.lifespan(app):
        feed = Feed(app)
        await feed.send(custody_change(cdcr_number=in_prison, change="admission"))
        await feed.send(custody_change(cdcr_number=paroled, change="release", status="on_parole",
                                       facility_code=None))
        await feed.send(custody_change(cdcr_number=jailed, change="release", status="county_jail",
                                       facility_code=None))
        await produce(kafka_bootstrap, settings.topics.intake,
                      *(_record(request) for request in requests.values()))
        first = await read_topic(kafka_bootstrap, settings.topics.screening, at_least=5, settle=0)

        # The victim withdraws one case; scheduling closes another; then custody changes.
        await produce(kafka_bootstrap, settings.topics.intake, _record(CaseWithdrawn(
            case_id=case["paroled_withdrawn"], by=ActedBy.VICTIM, at=NOW)))
        await produce(kafka_bootstrap, settings.topics.scheduling, _record(CaseClosed(
            case_id=case["in_prison"], reason="completed", at=NOW), "/services/scheduling"))
        assert await wait_until(lambda: _all_ended(status_of, case), timeout=30)
        await feed.send(custody_change(cdcr_number=paroled, change="parole_discharge",
                                       status="discharged", facility_code=None,
                                       effective_at="2026-12-01T08:00:00-08:00"))
        await feed.send(custody_change(cdcr_number=in_prison, facility_code="CMF",
                                       effective_at="2026-12-01T08:00:00-08:00"))
        everything = await read_topic(kafka_bootstrap, settings.topics.screening, at_least=6,
                                      settle=2)
        await feed.http.aclose()

    decided = {}
    for record in first:
        decision = from_kafka(record.value)
        assert record.key.decode() == decision.subject == decision.data.case_id
        decided[decision.subject] = decision.data
    assert (decided[case["in_prison"]].outcome, decided[case["in_prison"]].facility_code) == (
        "eligible", "SQ")
    assert (decided[case["paroled"]].outcome, decided[case["paroled"]].on_parole) == (
        "eligible", True)
    assert (decided[case["jailed"]].outcome, decided[case["jailed"]].reason) == (
        "ineligible", "county_jail")
    assert (decided[case["unknown"]].outcome, decided[case["unknown"]].reason) == (
        "needs_review", "not_in_registry")

    seen_first = {from_kafka(r.value).id for r in first}
    later = [d for d in (from_kafka(r.value) for r in everything) if d.id not in seen_first]
    [again] = later  # the discharge; not the withdrawn case, nor the closed one's transfer
    assert again.subject == case["paroled"]
    assert (again.data.outcome, again.data.reason) == ("ineligible", "discharged")


async def _all_ended(status_of, case) -> bool:
    return (await status_of(case["paroled_withdrawn"]), await status_of(case["in_prison"])) == (
        "withdrawn", "closed")
