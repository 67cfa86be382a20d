"""While the broker is not up yet (the first seconds of `make run`), a service says so in its
own words, once per attempt, not with a Kafka client error on every try."""
import asyncio
import logging

import pytest
from structlog.testing import capture_logs

from vod_devtools.net import free_port
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings
from vod_shared.unit_of_work import SqlUnitOfWork


class ProbeSettings(ServiceSettings):
    service_name = "probe"


async def test_a_broker_not_up_yet_is_a_warning_of_ours_not_a_client_error(tmp_path, caplog,
                                                                           monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("VOD_DATA_DIR", str(tmp_path))
    runtime = ServiceRuntime(ProbeSettings(), migrations_dir=tmp_path, uow_class=SqlUnitOfWork)
    caplog.set_level(logging.INFO, logger="aiokafka")
    with capture_logs() as ours, pytest.raises(TimeoutError):
        await asyncio.wait_for(runtime._connect_broker(), timeout=2.0)
    [first, *_] = [e for e in ours if e["event"] == "broker.unreachable"]
    port = first["bootstrap_servers"].rsplit(":", 1)[1]
    assert port in first["reason"]  # where it tried, for the operator to check
    assert not [r for r in caplog.records
                if r.name.startswith("aiokafka") and r.levelno >= logging.ERROR]
    assert logging.getLogger("aiokafka").level == logging.INFO  # quiet only while waiting
