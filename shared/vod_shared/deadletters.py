"""``python -m vod_shared.deadletters``: look at the dead letters and put them back in.

    list [DLQ_TOPIC ...]          one line per dead letter (every <topic>.dlq of VOD_TOPIC_PREFIX
                                  by default): where, when, which consumer, from where, the
                                  CloudEvent type and id, and the reason. Never the data.
    show DLQ_TOPIC PARTITION OFFSET
                                  its headers, its CloudEvent envelope, and its data with every
                                  sealed value shown as "[sealed]"
    replay DLQ_TOPIC (PARTITION OFFSET | --all) --by NAME --why TEXT [--with FILE]
                                  publishes the original record again on its original topic:
                                  the same key and value (so the same CloudEvent id), or with
                                  --with a corrected CloudEvent (JSON) that must keep that id

Each consumer applies a CloudEvent id once (its inbox): a replay is applied by the consumers
that dead-lettered it and ignored by those that had applied it already; replaying the same dead
letter twice has no second effect. A dead letter is replayed only when it is the record still at
its original position (which only the topic's owner can have written): every service may write
the dead-letter topics of what it reads, so a dead letter alone proves nothing. The broker
comes from KAFKA_BOOTSTRAP_SERVERS, the topics from VOD_TOPIC_PREFIX (as for the services).
"""
import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from vod_shared.envelope import UndecodableEvent, read_cloudevent, validated
from vod_shared.events.base import UnknownEventType
from vod_shared.events.case import not_theirs_to_say
from vod_shared.kafka_clients import running
from vod_shared.logging import PERSONAL_KEYS, REDACTED, configure_logging, redact_text
from vod_shared.settings import ServiceSettings
from vod_shared.topics import DLQ_SUFFIX, KEYS, PEOPLE, all_topics

log = structlog.get_logger("vod.deadletters")
SEALED = "[sealed]"
DLQ_HEADERS = ("dlq-reason", "dlq-consumer", "dlq-original-topic", "dlq-original-partition",
               "dlq-original-offset", "dlq-failed-at")
READ_TIMEOUT_S = 30.0
COMPACTED = PEOPLE  # the compacted event topic: a record's newest for its key is what stands

HELP_EPILOG = """\
Replaying is safe to repeat: consumers apply each CloudEvent id once (their inbox), so a replay
is applied by the consumer that dead-lettered it and ignored by the others, and replaying the
same dead letter again changes nothing. A corrected event (--with) must keep the original id;
a consumer that had already applied the original keeps what it applied.

Example:
  python -m vod_shared.deadletters list
  python -m vod_shared.deadletters show vod.intake.dlq 0 12
  python -m vod_shared.deadletters replay vod.intake.dlq 0 12 --by rosa \\
      --why "relationship typo fixed at the partner" --with fixed.json
"""


class Refused(Exception):
    """A replay (or a look-up) that must not happen; the message says why."""


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        for header, value in self.headers:
            if header == name:
                return (value or b"").decode("utf-8", "replace")
        return ""

    @property
    def where(self) -> str:
        return f"{self.topic} {self.partition}:{self.offset}"

    @property
    def original_topic(self) -> str:
        return self.topic[: -len(DLQ_SUFFIX)]

    def cloudevent(self):
        """The CloudEvent (attributes, raw data), or None when the value is not one."""
        try:
            return read_cloudevent(self.value)
        except UndecodableEvent:
            return None


# --- reading -------------------------------------------------------------------------------

def connection_options(settings: ServiceSettings) -> dict:
    """aiokafka's connection options: the bootstrap servers and the KAFKA_* security settings
    (an operator replays as the broker's ``admin`` user: KAFKA_USERNAME=admin ...)."""
    return {"bootstrap_servers": settings.kafka_bootstrap_servers,
            **settings.kafka_client_options()}


async def read_dead_letters(options: dict, topics: Sequence[str], *,
                            at: tuple[int, int] | None = None) -> list[DeadLetter]:
    """Every record now on ``topics`` (or only the one at ``at`` = (partition, offset) of the
    single topic), in partition and offset order."""
    known = await _partitions(options, topics)
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **options)
    async with running(consumer):
        partitions = []
        for topic in topics:
            if topic not in known:
                raise Refused(f"no topic {topic!r} on the broker")
            numbers = known[topic]
            if at is not None:
                if at[0] not in numbers:
                    raise Refused(f"{topic} has no partition {at[0]}")
                numbers = {at[0]}
            partitions += [TopicPartition(topic, n) for n in sorted(numbers)]
        if not partitions:
            return []
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        wanted: dict[TopicPartition, tuple[int, int]] = {}
        for tp in partitions:
            first, end = starts[tp], ends[tp]
            if at is not None:
                if not first <= at[1] < end:
                    raise Refused(f"no dead letter at {tp.topic} {tp.partition}:{at[1]} "
                                  f"(offsets {first}..{end - 1} are there)")
                first, end = at[1], at[1] + 1
            if first < end:
                consumer.seek(tp, first)
                wanted[tp] = (first, end)
        found: list[DeadLetter] = []
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
        remaining = set(wanted)
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise Refused("the broker did not hand over the dead letters in time")
            batch = await consumer.getmany(*remaining, timeout_ms=500)
            for tp, records in batch.items():
                first, end = wanted[tp]
                found += [DeadLetter(r.topic, r.partition, r.offset, r.key, r.value,
                                     tuple(r.headers or ())) for r in records
                          if first <= r.offset < end]
            for tp in list(remaining):
                if await consumer.position(tp) >= wanted[tp][1]:
                    remaining.discard(tp)
        return sorted(found, key=lambda d: (d.topic, d.partition, d.offset))


async def read_originals(options: dict, letters: Sequence[DeadLetter]) -> dict[str, tuple | None]:
    """The record now at each dead letter's original place, by the dead letter's ``where``, as
    (key, value, whether a newer record of its key follows it on the compacted topic); None
    where there is none (no such place, or compacted or expired away). Only the topic's owner
    can have written it there: it is what proves a dead letter."""
    found: dict[str, tuple | None] = {}
    places = {}
    for letter in letters:
        try:
            places[letter.where] = TopicPartition(
                letter.original_topic, int(letter.header("dlq-original-partition"))), \
                int(letter.header("dlq-original-offset"))
        except ValueError:
            found[letter.where] = None
    if not places:
        return found
    known = await _partitions(options, sorted({tp.topic for tp, _ in places.values()}))
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", **options)
    async with running(consumer):
        loop = asyncio.get_running_loop()
        for where, (tp, offset) in places.items():
            found[where] = None
            if tp.partition not in known.get(tp.topic, ()):
                continue
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            if not (await consumer.beginning_offsets([tp]))[tp] <= offset < end:
                continue
            consumer.seek(tp, offset)
            compacted = tp.topic.endswith(COMPACTED)
            deadline = loop.time() + READ_TIMEOUT_S
            original, later, done = None, False, False
            while not done and await consumer.position(tp) < end:
                if loop.time() > deadline:
                    raise Refused("the broker did not hand over the original records in time")
                for record in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                    if original is None:
                        if record.offset != offset:  # compacted away: another came first
                            done = True
                            break
                        original = record
                        done = not compacted  # on a compacted topic, read on to its end
                        if done:
                            break
                    elif (record.key or b"") == (original.key or b""):
                        later = done = True  # a newer record of its key: that one stands
                        break
            if original is not None:
                found[where] = (original.key, original.value, later)
    return found


def check_original(letter: DeadLetter, original: tuple | None) -> None:
    """Refuses a dead letter that is not the record at its original position. Any service may
    write a dead-letter topic of a topic it reads, with whatever headers, key and value: only
    the original topic, which its owner alone writes, tells a parked event from a forged one."""
    where = (f"{letter.original_topic} {_plain(letter.header('dlq-original-partition'), 12)}:"
             f"{_plain(letter.header('dlq-original-offset'), 24)}")
    if original is None:
        raise Refused(f"{letter.where}: no record at {where} any more (compacted or expired), "
                      f"so nothing shows this dead letter was one: not replayed")
    key, value, superseded = original
    if (key or b"") != (letter.key or b"") or value != letter.value:
        raise Refused(f"{letter.where}: it is not the record at {where}: forged or altered, "
                      f"not replayed")
    if superseded:
        raise Refused(f"{letter.where}: a newer record of its key follows it on "
                      f"{letter.original_topic}: put back, it would stand in its place (undo "
                      f"an erasure or an update), not replayed")


async def dead_letter_topics(options: dict, prefix: str) -> list[str]:
    """The dead-letter topics of this prefix that exist on the broker."""
    admin = AIOKafkaAdminClient(**options)
    async with running(admin):
        existing = set(await admin.list_topics())
    return sorted(t for t in all_topics(prefix) if t.endswith(DLQ_SUFFIX) and t in existing)


async def _partitions(options: dict, topics: Sequence[str]) -> dict[str, set[int]]:
    """topic -> its partition numbers, for the topics of ``topics`` that exist."""
    admin = AIOKafkaAdminClient(**options)
    async with running(admin):
        described = await admin.describe_topics(list(topics))
    return {d["topic"]: {p["partition"] for p in d["partitions"]}
            for d in described if not d["error_code"]}


# --- what is shown -------------------------------------------------------------------------

def _plain(text: Any, limit: int = 300) -> str:
    """One line a terminal shows as it is (no control characters), not too long."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Listed:
    """What ``list`` (and the admins' staff page) shows of a dead letter: never its data."""

    where: str
    failed_at: str
    consumer: str
    original: str
    type: str
    event_id: str
    reason: str


def listed(letter: DeadLetter) -> Listed:
    event = letter.cloudevent()
    kind, event_id = (event.get_type(), event.get_id()) if event else ("-", "-")
    if not letter.value:
        kind, event_id = "-", "-"
    original = (f"{letter.header('dlq-original-topic')} {letter.header('dlq-original-partition')}"
                f":{letter.header('dlq-original-offset')}")
    fields = (letter.where, letter.header("dlq-failed-at") or "-",
              letter.header("dlq-consumer") or "-", original, kind, event_id,
              letter.header("dlq-reason") or "-")
    return Listed(*(_plain(f, 1000 if i == len(fields) - 1 else 200)
                    for i, f in enumerate(fields)))


def list_line(letter: DeadLetter) -> str:
    return "\t".join(listed(letter).__dict__.values())


async def list_all(settings: ServiceSettings) -> list[Listed]:
    """Every dead letter of ``settings``' topic prefix, as ``list`` shows it."""
    options = connection_options(settings)
    topics = await dead_letter_topics(options, settings.topic_prefix)
    return [listed(letter) for letter in await read_dead_letters(options, topics)] \
        if topics else []


LIST_HEADER = "\t".join(("DEAD LETTER", "FAILED AT", "CONSUMER", "ORIGINAL", "TYPE", "ID",
                         "REASON"))


def mask_sealed(value: Any) -> Any:
    """``value`` with every sealed value (an object holding a ``ciphertext``) shown as
    "[sealed]", fields named like a person's details as "[redacted]", and emails and phone
    numbers masked in every string."""
    if isinstance(value, dict):
        if "ciphertext" in value:
            return SEALED
        return {k: REDACTED if k in PERSONAL_KEYS else mask_sealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_sealed(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def show_text(letter: DeadLetter) -> str:
    lines = [f"dead letter {letter.where}", "headers:"]
    lines += [f"  {_plain(name, 100)}: {_plain(redact_text((value or b'').decode('utf-8', 'replace')), 1000)}"
              for name, value in letter.headers]
    if not letter.value:
        lines.append("value: not kept (a data key's grant is parked without its value)")
        return "\n".join(lines) + "\n"
    event = letter.cloudevent()
    if event is None:
        try:
            body = json.loads(letter.value)
        except ValueError:
            lines.append(f"value: not a CloudEvent, not JSON ({len(letter.value)} bytes, not shown)")
            return "\n".join(lines) + "\n"
        lines.append("value (not a CloudEvent; sealed values masked):")
        lines.append(json.dumps(mask_sealed(body), indent=2, ensure_ascii=False))
        return "\n".join(lines) + "\n"
    lines.append("event:")
    for name, value in (("id", event.get_id()), ("type", event.get_type()),
                        ("source", event.get_source()), ("subject", event.get_subject()),
                        ("time", event.get_time())):
        lines.append(f"  {name}: {_plain(redact_text(str(value)), 300)}")
    lines.append("data (sealed values masked):")
    lines.append(json.dumps(mask_sealed(event.get_data()), indent=2, ensure_ascii=False,
                            default=str))
    return "\n".join(lines) + "\n"


# --- replaying -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Replayed:
    letter: DeadLetter
    topic: str
    partition: int
    offset: int
    event_id: str


def replay_value(letter: DeadLetter, corrected: bytes | None) -> tuple[bytes, str]:
    """The value to publish again and its CloudEvent id; raises Refused when it must not go."""
    if not letter.value or letter.original_topic.endswith(KEYS):
        raise Refused(f"{letter.where}: its value was not kept (a data key's grant): intake must "
                      f"grant the key again")
    if letter.header("dlq-original-topic") != letter.original_topic:
        raise Refused(f"{letter.where}: its headers name another topic "
                      f"({_plain(letter.header('dlq-original-topic'), 100)!r})")
    original = letter.cloudevent()
    if corrected is None:
        return letter.value, original.get_id() if original else "-"
    if original is None:
        raise Refused(f"{letter.where}: the dead letter is not a CloudEvent, so there is no id "
                      f"a correction could keep; publish a new event instead")
    try:
        event = read_cloudevent(corrected)
        said = not_theirs_to_say(str(event.get_source()), validated(event).data)
    except (UndecodableEvent, UnknownEventType) as exc:
        raise Refused(f"the correction would be dead-lettered again: {exc}") from None
    if said is not None:
        raise Refused(f"the correction would be dead-lettered again: {said}")
    if event.get_id() != original.get_id():
        raise Refused(f"the correction's id {_plain(event.get_id(), 80)!r} is not the dead "
                      f"letter's {original.get_id()!r}: a correction keeps the id, so that "
                      f"consumers apply it once")
    if event.get_source() != original.get_source() or event.get_type() != original.get_type():
        raise Refused("a correction keeps the event's source and type: it corrects the data")
    key = (letter.key or b"").decode("utf-8", "replace")
    if event.get_subject() != key:
        raise Refused("the correction's subject is not the record's key (the case's events "
                      "must stay on one partition, in order)")
    return corrected, event.get_id()


async def replay(options: dict, letters: Sequence[DeadLetter], *, by: str, why: str,
                 corrected: bytes | None = None, refused: list[str] | None = None
                 ) -> list[Replayed]:
    """Publishes each dead letter's record again on its original topic (acks=all), with
    headers saying it is a replay, by whom and of which dead letter; those that must not go
    are left, and why is added to ``refused``."""
    refused = refused if refused is not None else []
    originals = await read_originals(options, letters)
    planned = []
    for letter in letters:
        try:
            value, event_id = replay_value(letter, corrected)
            check_original(letter, originals.get(letter.where))
        except Refused as exc:
            refused.append(str(exc))  # one forged or stale letter holds up none of the others
            continue
        planned.append((letter, value, event_id))
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **options)
    done: list[Replayed] = []
    async with running(producer):
        for letter, value, event_id in planned:
            headers = [(name, v or b"") for name, v in letter.headers
                       if name not in DLQ_HEADERS and not name.startswith("replay-")]
            headers += [("replay-of", f"{letter.topic}:{letter.partition}:{letter.offset}".encode()),
                        ("replay-by", by.encode()),
                        ("replay-at", datetime.now(timezone.utc).isoformat().encode())]
            sent = await producer.send_and_wait(letter.original_topic, value=value,
                                                key=letter.key, headers=headers)
            log.info("dead_letter.replayed", by=by, why=why, dead_letter=letter.where,
                     to_topic=sent.topic, to_partition=sent.partition, to_offset=sent.offset,
                     event_id=event_id, corrected=corrected is not None)
            done.append(Replayed(letter, sent.topic, sent.partition, sent.offset, event_id))
    return done


# --- the command ---------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m vod_shared.deadletters", description=__doc__.split("\n\n")[0],
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one line per dead letter (never the data)")
    listing.add_argument("topics", nargs="*", metavar="DLQ_TOPIC",
                         help="default: every <topic>.dlq of VOD_TOPIC_PREFIX")
    show = commands.add_parser("show", help="headers, envelope, data with sealed values masked")
    show.add_argument("topic", metavar="DLQ_TOPIC")
    show.add_argument("partition", type=int)
    show.add_argument("offset", type=int)
    again = commands.add_parser(
        "replay", help="publish the original record again on its original topic",
        description="Publishes the dead letter's record again on its original topic, with the "
                    "same key and value, or a corrected CloudEvent with the same id.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    again.add_argument("topic", metavar="DLQ_TOPIC")
    again.add_argument("position", nargs="*", type=int, metavar="PARTITION OFFSET")
    again.add_argument("--all", action="store_true", help="every dead letter of DLQ_TOPIC")
    again.add_argument("--by", required=True, metavar="NAME", help="who replays (logged)")
    again.add_argument("--why", required=True, metavar="TEXT", help="why (logged)")
    again.add_argument("--with", dest="corrected", type=Path, metavar="FILE",
                       help="a corrected CloudEvent (JSON) with the same id")
    return main


async def run(argv: Sequence[str], *, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
              settings: ServiceSettings | None = None) -> int:
    args = parser().parse_args(argv)
    settings = settings or ServiceSettings()
    options = connection_options(settings)
    try:
        if args.command == "list":
            topics = args.topics or await dead_letter_topics(options, settings.topic_prefix)
            _check_dlq(topics)
            letters = await read_dead_letters(options, topics)
            out.write(LIST_HEADER + "\n")
            out.writelines(list_line(letter) + "\n" for letter in letters)
            return 0
        if args.command == "show":
            _check_dlq([args.topic])
            [letter] = await read_dead_letters(options, [args.topic],
                                               at=(args.partition, args.offset))
            out.write(show_text(letter))
            return 0
        # replay
        _check_dlq([args.topic])
        if args.all == bool(args.position) or (args.position and len(args.position) != 2):
            raise Refused("name one dead letter (PARTITION OFFSET) or --all")
        if args.all and args.corrected:
            raise Refused("--with corrects one dead letter; name it by PARTITION OFFSET")
        if not args.by.strip() or not args.why.strip():
            raise Refused("--by and --why must say who and why")
        corrected = args.corrected.read_bytes() if args.corrected else None
        at = None if args.all else (args.position[0], args.position[1])
        letters = await read_dead_letters(options, [args.topic], at=at)
        if args.all:
            kept = [letter for letter in letters if letter.value]
            for letter in letters:
                if not letter.value:
                    err.write(f"skipped {letter.where}: its value was not kept\n")
            letters = kept
        refused: list[str] = []
        for done in await replay(options, letters, by=args.by, why=args.why,
                                 corrected=corrected, refused=refused):
            out.write(f"replayed {done.letter.where} -> {done.topic} {done.partition}:"
                      f"{done.offset} (event {_plain(done.event_id, 80)})\n")
        for reason in refused:
            err.write(f"refused: {reason}\n")
        return 1 if refused else 0
    except Refused as exc:
        err.write(f"refused: {exc}\n")
        return 1


def _check_dlq(topics: Sequence[str]) -> None:
    for topic in topics:
        if not topic.endswith(DLQ_SUFFIX):
            raise Refused(f"{topic!r} is not a dead-letter topic (<topic>{DLQ_SUFFIX})")


def main(argv: Sequence[str] | None = None) -> int:
    settings = ServiceSettings()
    configure_logging(service="deadletters", fmt=settings.log_format, level=settings.log_level)
    return asyncio.run(run(sys.argv[1:] if argv is None else argv, settings=settings))


if __name__ == "__main__":
    sys.exit(main())
