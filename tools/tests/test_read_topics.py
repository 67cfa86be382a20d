"""``read_topics``: what the end-to-end tests see when they read every topic at once (an empty
answer there means "nothing of hers on any topic", so it must not come from a bad read)."""
import pytest

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
