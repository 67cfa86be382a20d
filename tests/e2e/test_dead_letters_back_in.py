"""Dead letters back in, over the real broker with screening as a process: a RequestReceived
whose data screening cannot read is dead-lettered; ``list`` shows it with its reason (never its
data), ``show`` masks its sealed values, screening's /metrics counts it; a correction with
another id is refused; ``replay --with`` a correction of the same id decides the case exactly
once, and a second replay changes nothing. /readyz answers 200 once screening runs."""
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import httpx
import pytest

from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared.deadletters import run
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import RequestReceived
from vod_shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
CIPHER = "bG9naXN0aWNzLXNlYWxlZC1mb3Itc2NyZWVuaW5n"


def _request(case_id: str, requester_id: str) -> dict:
    data = RequestReceived(
        case_id=case_id, reference="VOD-2026-000912", requester_id=requester_id,
        relationship="victim", cdcr_number="AB9120", preferred_language="en",
        preferred_channel="email", source="webhook", received_at=datetime.now(timezone.utc))
    return json.loads(to_kafka(new_envelope(data, source="/services/intake", subject=case_id)).value)


def _metric(text: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(line_start))


async def test_a_poison_request_is_listed_shown_corrected_and_decided_exactly_once(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    screening = processes("screening", service_env)
    assert await wait_until(lambda: httpx.get(f"{screening.url}/readyz").status_code == 200,
                            timeout=60), httpx.get(f"{screening.url}/readyz").text
    settings = ServiceSettings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
                               VOD_TOPIC_PREFIX=topic_prefix)

    async def cli(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = await run(list(argv), out=out, err=err, settings=settings)
        return code, out.getvalue(), err.getvalue()

    case_id, requester_id = str(uuid.uuid4()), str(uuid.uuid4())
    good = _request(case_id, requester_id)
    poison = json.loads(json.dumps(good))
    poison["data"]["relationship"] = "stranger"  # no such relationship: screening cannot read it
    poison["data"]["logistics"] = {"ciphertext": CIPHER, "sealed_by": "intake"}
    intake_topic, dlq = f"{topic_prefix}vod.intake", f"{topic_prefix}vod.intake.dlq"
    await produce(kafka_bootstrap, intake_topic, (case_id.encode(), json.dumps(poison).encode()))

    async def listed() -> list[str]:
        code, out, _ = await cli("list")
        assert code == 0
        return [line for line in out.splitlines() if good["id"] in line]

    assert await wait_until(listed, timeout=60), "the poison request was not dead-lettered"
    [line] = await listed()
    where, failed_at, consumer, original, kind, event_id, reason = line.split("\t")
    assert where.startswith(f"{dlq} ") and consumer == "screening" and event_id == good["id"]
    assert original.startswith(f"{intake_topic} ") and kind == "vod.RequestReceived.v1"
    assert reason.startswith("undecodable: data does not match vod.RequestReceived.v1: "
                             "relationship") and datetime.fromisoformat(failed_at)
    for value in (CIPHER, requester_id, "stranger", "AB9120"):
        assert value not in line
    partition, offset = where.split(" ")[1].split(":")

    # the command itself, as an operator runs it
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "VOD_TOPIC_PREFIX": topic_prefix, "LOG_FORMAT": "json"}
    listing = subprocess.run([sys.executable, "-m", "vod_shared.deadletters", "list", dlq],
                             env=env, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and good["id"] in listing.stdout, listing.stderr

    code, shown, _ = await cli("show", dlq, partition, offset)
    assert code == 0 and f"id: {good['id']}" in shown and "dlq-consumer: screening" in shown
    assert '"logistics": "[sealed]"' in shown and CIPHER not in shown

    metrics = httpx.get(f"{screening.url}/metrics").text
    assert _metric(metrics, f'vod_dead_letters_total{{topic="{intake_topic}"}}') == 1
    assert _metric(metrics, 'vod_events_handled_total{type="vod.RequestReceived.v1",'
                            'outcome="dead_lettered"}') == 1

    # A correction must keep the id: with another one it is refused and nothing is published.
    another = tmp_path / "another.json"
    another.write_text(json.dumps(_request(case_id, requester_id)))
    code, _, err = await cli("replay", dlq, partition, offset, "--by", "rosa",
                             "--why", "relationship fixed", "--with", str(another))
    assert code == 1 and "is not the dead letter's" in err

    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(good))
    replay = ("replay", dlq, partition, offset, "--by", "rosa", "--why",
              "the partner sent a relationship we do not know; it is victim")
    code, out, err = await cli(*replay, "--with", str(fixed))
    assert code == 0 and out.startswith(f"replayed {dlq} {partition}:{offset} -> {intake_topic}"), err

    async def decisions() -> list[dict]:
        records = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=1,
                                   settle=2)
        return [e for e in (json.loads(r.value) for r in records)
                if e["subject"] == case_id and e["type"] == "vod.EligibilityDetermined.v1"]

    assert len(await decisions()) == 1

    # Replayed again (by the command, as an operator would): the inbox drops it.
    again = subprocess.run([sys.executable, "-m", "vod_shared.deadletters", *replay,
                            "--with", str(fixed)],
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    logged = [json.loads(line) for line in again.stderr.splitlines() if line.startswith("{")]
    [replayed] = [entry for entry in logged if entry["event"] == "dead_letter.replayed"]
    assert replayed["by"] == "rosa" and replayed["dead_letter"] == f"{dlq} {partition}:{offset}"
    assert replayed["to_topic"] == intake_topic and "relationship" in replayed["why"]
    assert requester_id not in again.stderr and CIPHER not in again.stderr

    def duplicate_dropped() -> bool:
        text = httpx.get(f"{screening.url}/metrics").text
        return _metric(text, 'vod_events_handled_total{type="vod.RequestReceived.v1",'
                             'outcome="duplicate"}') >= 1

    assert await wait_until(duplicate_dropped, timeout=30)
    assert len(await decisions()) == 1
    assert len(await listed()) == 1  # and nothing new in the dead letters
    metrics = httpx.get(f"{screening.url}/metrics").text
    assert _metric(metrics, 'vod_events_handled_total{type="vod.RequestReceived.v1",'
                            'outcome="applied"}') == 1
    assert _metric(metrics, f'vod_dead_letters_total{{topic="{intake_topic}"}}') == 1
    # screening's consumer has read vod.intake to its end, on each of its partitions
    lags = [line for line in metrics.splitlines()
            if line.startswith(f'vod_consumer_lag{{topic="{intake_topic}"')]
    assert len(lags) == 3 and all(f'group="{topic_prefix}screening"' in line for line in lags)
    assert _metric(metrics, f'vod_consumer_lag{{topic="{intake_topic}"') == 0


async def test_a_dead_letter_not_at_its_original_place_is_not_replayed(kafka_bootstrap,
                                                                        topic_prefix):
    """Every service may write the dead-letter topics of the topics it reads, with any headers:
    a forged CaseWithdrawn "from intake", parked by notifications' credentials, went onto
    vod.intake as intake's with an operator's `replay --all`. Only the record still at the
    dead letter's original place (which intake alone writes) is replayed."""
    from aiokafka import AIOKafkaProducer

    from vod_shared.events import CaseWithdrawn
    from vod_shared.kafka_clients import running

    settings = ServiceSettings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
                               VOD_TOPIC_PREFIX=topic_prefix)
    intake_topic, dlq = f"{topic_prefix}vod.intake", f"{topic_prefix}vod.intake.dlq"
    case_id = str(uuid.uuid4())
    real = to_kafka(new_envelope(CaseWithdrawn(case_id=case_id, by="staff_for_victim",
                                               at=datetime.now(timezone.utc)),
                                 source="/services/intake", subject=case_id))
    forged = to_kafka(new_envelope(CaseWithdrawn(case_id=case_id, by="victim",
                                                 at=datetime.now(timezone.utc)),
                                   source="/services/intake", subject=case_id))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    async with running(producer):
        placed = await producer.send_and_wait(intake_topic, key=real.key, value=real.value)

        async def park(value: bytes, offset: int) -> None:
            await producer.send_and_wait(dlq, key=real.key, value=value, partition=0, headers=[
                ("dlq-reason", b"waited 60 s for what it needs: NotYet"),
                ("dlq-consumer", b"screening"), ("dlq-original-topic", intake_topic.encode()),
                ("dlq-original-partition", str(placed.partition).encode()),
                ("dlq-original-offset", str(offset).encode())])

        await park(forged.value, placed.offset)  # another value, said to be the one there
        await park(forged.value, placed.offset + 50)  # a place with nothing at it
        await park(real.value, placed.offset)  # the record that is there

    out, err = io.StringIO(), io.StringIO()
    for offset in (0, 1):
        code = await run(["replay", dlq, "0", str(offset), "--by", "rosa", "--why", "routine"],
                         out=out, err=err, settings=settings)
        assert code == 1
    assert "forged or altered" in err.getvalue() and "compacted or expired" in err.getvalue()
    code = await run(["replay", dlq, "0", "2", "--by", "rosa", "--why", "after the fix"],
                     out=out, err=err, settings=settings)
    assert code == 0, err.getvalue()
    records = await read_topic(kafka_bootstrap, intake_topic, at_least=2)
    assert [r.value for r in records] == [real.value, real.value]  # the forgery never went

    # --all: the forged ones hold up none of the others (each refused with its reason)
    out, err = io.StringIO(), io.StringIO()
    code = await run(["replay", dlq, "--all", "--by", "rosa", "--why", "after the fix"],
                     out=out, err=err, settings=settings)
    assert code == 1 and out.getvalue().count("replayed ") == 1
    assert err.getvalue().count("refused: ") == 2

    # on the compacted vod.people, a record a newer one of its key follows (her PersonErased)
    # is not put back: it would stand in its place, and compaction take the erasure away
    people, people_dlq = f"{topic_prefix}vod.people", f"{topic_prefix}vod.people.dlq"
    async with running(producer := AIOKafkaProducer(bootstrap_servers=kafka_bootstrap,
                                                    acks="all")):
        first = await producer.send_and_wait(people, key=b"person-1", value=real.value)
        await producer.send_and_wait(people, key=b"person-1", value=forged.value,
                                     partition=first.partition)
        await producer.send_and_wait(people_dlq, key=b"person-1", value=real.value,
                                     partition=0, headers=[
                                         ("dlq-original-topic", people.encode()),
                                         ("dlq-original-partition", str(first.partition).encode()),
                                         ("dlq-original-offset", str(first.offset).encode())])
    out, err = io.StringIO(), io.StringIO()
    code = await run(["replay", people_dlq, "0", "0", "--by", "rosa", "--why", "routine"],
                     out=out, err=err, settings=settings)
    assert code == 1 and "newer record of its key" in err.getvalue()
