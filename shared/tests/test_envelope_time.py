"""An incoming event's ``time`` is read with the standard library where it has the shape
producers send, and exactly as the CloudEvents SDK (dateutil's ``isoparse``) reads it: the same
instants and offsets, and the same strings accepted or refused."""
from datetime import datetime, timedelta, timezone

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from dateutil.parser import isoparse

from vod_shared.envelope import UndecodableEvent, from_kafka, new_envelope, parse_time, \
    read_cloudevent, to_kafka
from vod_shared.events import CaseClosed

PACIFIC = timezone(timedelta(hours=-8))
SENT = [  # what producers put in an envelope: now in UTC, a test's fixed zone (naive: refused)
    datetime(2026, 5, 4, 9, 30, 12, 345678, tzinfo=timezone.utc),
    datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc),
    datetime(2026, 3, 2, 8, tzinfo=PACIFIC),
    datetime(2026, 3, 2, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
]
ODD = ["2026-05-04T09:30:00", "2026-05-04T24:00:00Z", "2026-05-04T09:30:00z", "2026-05-04T09:30:00.Z",
       "2026-05-04T09:30:00.123456789Z", "2026-05-04 09:30:00Z", "20260504T093000Z",
       "2026-05-04", "2026-05-04T09:30Z", "2026-05-04T09:30:00+0530", "2026-13-01T00:00:00Z",
       "2026-05-04T09:30:00+25:00", "2026-05-04T09:30:00,5Z", "not a time", "",
       "२०२६-05-04T09:30:00Z", "2026-05-04T09:30:00+05:60", "2026-05-04T09:30:00+00:99",
       "2026-05-04T09:30:00-03:75", "2026-05-04T09:30:00+23:59", "2026-05-04T09:30:00+24:00",
       "2026-05-04T09:60:00Z", "2026-05-04T09:30:60Z", "2026-05-04T23:59:59.999999-00:00"]


def read_both(value):
    outcomes = []
    for read in (parse_time, isoparse):
        try:
            moment = read(value)
            outcomes.append((moment, moment.utcoffset(), moment.isoformat()))
        except (ValueError, OverflowError) as refused:
            outcomes.append(type(refused))
    return outcomes


def record(moment: datetime) -> bytes:
    data = CaseClosed(case_id="case-1", reason="bench", at=moment)
    return to_kafka(new_envelope(data, source="/services/scheduling", subject="case-1",
                                 time=moment)).value


@pytest.mark.parametrize("moment", SENT, ids=str)
def test_what_producers_send_reads_back_as_the_sdk_reads_it(moment):
    ours = from_kafka(record(moment)).time
    sdks = JSONFormat().read(CloudEvent, record(moment)).get_time()
    assert ours == sdks == moment
    assert ours.utcoffset() == sdks.utcoffset() == moment.utcoffset()
    assert ours.isoformat() == sdks.isoformat()


@pytest.mark.parametrize("value", ODD)
def test_other_strings_are_accepted_or_refused_as_before(value):
    ours, sdks = read_both(value)
    assert ours == sdks


def test_a_record_with_a_malformed_time_is_still_undecodable():
    good = record(SENT[0])
    for bad in (b'"2026-13-01T00:00:00Z"', b'"yesterday"', b'17'):
        value = good.replace(b'"2026-05-04T09:30:12.345678Z"', bad)
        assert value != good
        with pytest.raises(UndecodableEvent):
            read_cloudevent(value)
        with pytest.raises(Exception):
            JSONFormat().read(CloudEvent, value)


@pytest.mark.parametrize("offset", ["+05:60", "+00:99", "-03:75"])
def test_an_offset_of_60_minutes_or_more_is_refused_as_the_sdk_refuses_it(offset):
    """Not read as another instant (``+05:60`` as ``+06:00``): the record is a dead letter."""
    data = CaseClosed(case_id="case-1", reason="bench",  # its own moment left as it is
                      at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    good = to_kafka(new_envelope(data, source="/services/scheduling", subject="case-1",
                                 time=datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc))).value
    bad = good.replace(b'"2026-05-04T09:30:00Z"', f'"2026-05-04T09:30:00{offset}"'.encode())
    assert bad.count(offset.encode()) == 1  # the envelope's time only
    with pytest.raises(Exception):
        JSONFormat().read(CloudEvent, bad)
    with pytest.raises(UndecodableEvent):
        from_kafka(bad)
