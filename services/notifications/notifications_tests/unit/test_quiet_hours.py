"""No text between 21:00 and 08:00 where the recipient lives, or in the quiet hours she chose;
held, not dropped."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from vod_shared.events import Channel

from notifications.domain.quiet_hours import (
    PROGRAM_QUIET_HOURS,
    QuietHours,
    earliest_send,
    quiet_hours,
)
from vod_shared.zones import person_zone as recipient_zone

LA = ZoneInfo("America/Los_Angeles")


def _at(hour, minute=0, zone=LA, day=19, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=zone).astimezone(timezone.utc)


def test_a_text_at_3am_waits_for_8am_the_same_morning():
    held = earliest_send(_at(3), channel=Channel.SMS, urgent=False, zone=LA)
    assert held == _at(8) and held.tzinfo == timezone.utc


def test_a_text_at_9pm_waits_for_8am_the_next_morning():
    assert earliest_send(_at(21), channel=Channel.SMS, urgent=False, zone=LA) == _at(8, day=20)


@pytest.mark.parametrize("hour, minute", [(8, 0), (12, 0), (20, 59)])
def test_daytime_texts_go_at_once(hour, minute):
    now = _at(hour, minute)
    assert earliest_send(now, channel=Channel.SMS, urgent=False, zone=LA) == now


def test_email_and_urgent_texts_go_at_once_at_night():
    now = _at(3)
    assert earliest_send(now, channel=Channel.EMAIL, urgent=False, zone=LA) == now
    assert earliest_send(now, channel=Channel.SMS, urgent=True, zone=LA) == now


def test_the_morning_is_local_across_a_daylight_saving_change():
    # 8 March 2026: clocks go forward at 02:00 in California.
    now = datetime(2026, 3, 8, 1, 30, tzinfo=LA).astimezone(timezone.utc)
    assert earliest_send(now, channel=Channel.SMS, urgent=False, zone=LA) == \
        datetime(2026, 3, 8, 8, 0, tzinfo=LA).astimezone(timezone.utc)


def test_the_zone_is_the_persons_then_their_states_then_the_programs():
    assert recipient_zone("Europe/Madrid", "XX") == ZoneInfo("Europe/Madrid")
    assert recipient_zone(None, "AZ") == ZoneInfo("America/Phoenix")
    assert recipient_zone(None, "ny") == ZoneInfo("America/New_York")
    assert recipient_zone(None, "XX") == LA
    assert recipient_zone("Not/AZone", "TX") == ZoneInfo("America/Chicago")


@pytest.mark.parametrize(("chosen", "hours"), [
    ({"start": "22:30", "end": "06:30"}, (time(22, 30), time(6, 30))),
    ({"start": "13:00", "end": "15:00"}, (time(13, 0), time(15, 0))),  # a nap, not a night
    ({"start": "7:00", "end": "9:05"}, (time(7, 0), time(9, 5))),
])
def test_her_own_quiet_hours_are_read_from_her_details(chosen, hours):
    assert (quiet_hours(chosen).start, quiet_hours(chosen).end) == hours


@pytest.mark.parametrize("chosen", [
    None, "22:00-07:00", {}, {"start": "22:00"}, {"start": "22:00", "end": None},
    {"start": "24:00", "end": "07:00"}, {"start": "22:00", "end": "7am"},
    {"start": "22:00", "end": "07:60"}, {"start": "08:00", "end": "08:00"},
    {"start": 2200, "end": 700}, ["22:00", "07:00"],
])
def test_quiet_hours_absent_or_unreadable_are_the_programs(chosen):
    assert quiet_hours(chosen) == PROGRAM_QUIET_HOURS == QuietHours(time(21, 0), time(8, 0))


def test_her_quiet_hours_hold_a_text_to_their_end_on_her_clock():
    night = quiet_hours({"start": "22:30", "end": "06:30"})
    text = dict(channel=Channel.SMS, urgent=False, zone=LA, hours=night)
    assert earliest_send(_at(21, 30), **text) == _at(21, 30)  # the program would hold it
    assert earliest_send(_at(22, 30), **text) == _at(6, 30, day=20)
    assert earliest_send(_at(3), **text) == _at(6, 30)
    assert earliest_send(_at(7), **text) == _at(7)  # the program would hold it
    nap = quiet_hours({"start": "13:00", "end": "15:00"})
    assert earliest_send(_at(14), channel=Channel.SMS, urgent=False, zone=LA, hours=nap) == \
        _at(15)
    assert earliest_send(_at(3), channel=Channel.SMS, urgent=False, zone=LA, hours=nap) == _at(3)
    assert earliest_send(_at(14), channel=Channel.EMAIL, urgent=False, zone=LA, hours=nap) == \
        _at(14)
