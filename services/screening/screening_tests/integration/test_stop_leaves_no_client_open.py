"""A service's stop closes every Kafka client it opened (its producer, its consumer groups):
nothing for aiokafka to call "Unclosed" afterwards."""
import gc
import warnings
import weakref

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from vod_devtools.testing import wait_until
from vod_shared.sealing import KeyDirectory

from screening.bootstrap import bootstrap

from .support import settings_for

pytestmark = pytest.mark.integration


async def test_a_stopped_service_leaves_no_kafka_client_open(kafka_bootstrap, topic_prefix,
                                                             tmp_path, monkeypatch):
    KeyDirectory(tmp_path / "keys").init()
    settings = settings_for(kafka_bootstrap, topic_prefix,
                            f"sqlite+aiosqlite:///{tmp_path / 'screening.db'}", tmp_path,
                            VOD_KEYS_DIR=str(tmp_path / "keys"))
    kinds, opened = _every_client_made(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        runtime, app = bootstrap(settings)
        async with runtime.lifespan(app):
            # consuming: each consumer group has its partitions
            assert await wait_until(lambda: not runtime._groups_without_partitions(), timeout=60)
        still_open = [type(client).__name__ for client in opened if not client._closed]
        del runtime, app
        gc.collect()
    assert set(kinds) == {"AIOKafkaConsumer", "AIOKafkaProducer"}
    assert still_open == []
    assert [str(w.message) for w in caught if "Unclosed AIOKafka" in str(w.message)] == []


def _every_client_made(monkeypatch) -> tuple[list[str], weakref.WeakSet]:
    """The kinds of the producers and consumers made from now on, and those not collected yet
    (a client still running is never collected: it would say "Unclosed" only as the process
    ends)."""
    kinds, made = [], weakref.WeakSet()
    for kind in (AIOKafkaConsumer, AIOKafkaProducer):
        def init(self, *args, _original=kind.__init__, **kwargs):
            _original(self, *args, **kwargs)
            kinds.append(type(self).__name__)
            made.add(self)
        monkeypatch.setattr(kind, "__init__", init)
    return kinds, made
