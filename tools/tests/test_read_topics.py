"""``read_topics``: what the end-to-end tests see when they read every topic at once (an empty
answer there means "nothing of hers on any topic", so it must not come from a bad read)."""
import pytest

from vod_devtools.kafka import ensure_topics
from vod_devtools.testing import produce, read_topic, read_topics

pytestmark = pytest.mark.integration


async def test_several_topics_read_together_hold_what_each_holds_alone(
        kafka_bootstrap, topic_prefix):
    intake, people, keys = (f"{topic_prefix}{t}" for t in ("vod.intake", "vod.people", "vod.keys"))
    await produce(kafka_bootstrap, intake, (b"case-1", b"first"), (b"case-2", b"second"))
    await produce(kafka_bootstrap, people, (b"person-1", b"third"))

    together = await read_topics(kafka_bootstrap, [intake, people, keys], at_least=3, settle=0.2)
    alone = [r for t in (intake, people, keys)
             for r in await read_topic(kafka_bootstrap, t, at_least=0, settle=0.2)]

    seen = sorted((r.topic, r.key, r.value) for r in together)
    assert seen == sorted((r.topic, r.key, r.value) for r in alone) == [
        (intake, b"case-1", b"first"), (intake, b"case-2", b"second"),
        (people, b"person-1", b"third")]


async def test_an_unknown_topic_is_an_error_not_an_empty_answer(kafka_bootstrap, topic_prefix):
    with pytest.raises(LookupError):
        await read_topics(kafka_bootstrap, [f"{topic_prefix}vod.intake", f"{topic_prefix}nope"],
                          timeout=1)


async def test_what_was_on_the_topics_is_read_whole_even_without_waiting_for_any(
        kafka_bootstrap, topic_prefix):
    """A test that asserts "nothing of hers anywhere" reads with ``at_least=0``: the read must
    reach the end of every partition before it may stop, not stop on a timer after the first
    fetch (16 topics of 96 records once came back empty that way; here one partition holds
    more than one fetch brings back: 3 MB against the consumer's 1 MB a partition)."""
    topics = [f"{topic_prefix}t{i}" for i in range(16)]
    await ensure_topics(kafka_bootstrap, {topic: {} for topic in topics})
    for topic in topics[1:]:
        await produce(kafka_bootstrap, topic, *((f"k{n}".encode(), b"v") for n in range(6)))
    await produce(kafka_bootstrap, topics[0], *((b"one-key", bytes(100_000)) for _ in range(30)))

    records = await read_topics(kafka_bootstrap, topics, at_least=0, settle=0)

    assert len(records) == 15 * 6 + 30
