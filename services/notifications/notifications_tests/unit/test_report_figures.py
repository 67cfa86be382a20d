"""Counting notices for a report: the period's edges in Pacific time, each notice once, and the
delivery rate over the notices whose sending has ended."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from vod_shared.periods import InvalidPeriod, Period

from notifications.domain.delivery import Status
from notifications.domain.reports import LoggedNotice, notice_figures

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), ZoneInfo("America/Los_Angeles"))
MID = datetime(2026, 3, 15, 18, tzinfo=timezone.utc)


def notice(status: Status, kind="request_received", channel="email", at=MID, confirmed=False):
    return LoggedNotice(kind, channel, status, at, confirmed)


def test_each_kind_and_channel_with_its_delivery_rate_then_the_total():
    notices = [notice(Status.SENT), notice(Status.SENT), notice(Status.SENT),
               notice(Status.FAILED), notice(Status.SKIPPED), notice(Status.PENDING),
               notice(Status.SENT, channel="sms", confirmed=True),
               notice(Status.UNKNOWN, channel="sms")]
    email, sms, total = notice_figures(notices, MARCH)
    assert (email.kind, email.channel, email.created, email.sent, email.failed) == (
        "request_received", "email", 6, 3, 1)
    assert (email.not_sent, email.waiting) == (1, 1)
    assert email.rate == 75.0  # 3 sent of 4 whose sending ended
    assert (sms.sent, sms.unknown, sms.confirmed, sms.rate) == (1, 1, 1, 50.0)
    assert (total.kind, total.created, total.sent, total.rate) == ("all", 8, 4, 66.7)


def test_a_notice_belongs_to_the_period_it_was_created_in_california():
    notices = [notice(Status.SENT, at=datetime(2026, 3, 1, 7, 59, tzinfo=timezone.utc)),  # Feb 28
               notice(Status.SENT, at=datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)),
               notice(Status.SENT, at=datetime(2026, 4, 1, 6, 59, tzinfo=timezone.utc)),  # Mar 31
               notice(Status.SENT, at=datetime(2026, 4, 1, 7, 0, tzinfo=timezone.utc))]   # Apr 1
    *_, total = notice_figures(notices, MARCH)
    assert total.created == 2


def test_nothing_ended_means_no_rate_and_a_backwards_period_is_refused():
    *_, total = notice_figures([notice(Status.PENDING)], MARCH)
    assert total.rate is None and total.waiting == 1
    with pytest.raises(InvalidPeriod):
        Period(date(2026, 3, 2), date(2026, 3, 1), MARCH.zone)
