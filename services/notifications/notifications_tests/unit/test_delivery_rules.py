"""Retries, text segments and the meaning of replies."""
from datetime import datetime, timedelta, timezone

import pytest

from notifications.domain.delivery import RetryPolicy
from notifications.domain.sms import Reply, classify, segments

T0 = datetime(2026, 11, 19, tzinfo=timezone.utc)


def test_backoff_doubles_up_to_its_cap():
    policy = RetryPolicy(first_delay_s=30, max_delay_s=3600, give_up_after_s=86400)
    delays = [(policy.next_attempt(now=T0, first_attempt_at=T0, attempts=n) - T0).total_seconds()
              for n in (1, 2, 3, 8, 20)]
    assert delays == [30, 60, 120, 3600, 3600]


def test_retry_after_is_honoured_when_longer():
    policy = RetryPolicy(first_delay_s=30)
    assert policy.next_attempt(now=T0, first_attempt_at=T0, attempts=1,
                               retry_after_s=120) == T0 + timedelta(seconds=120)


def test_temporary_failures_give_up_a_day_after_the_first_attempt():
    policy = RetryPolicy()
    late = T0 + timedelta(hours=23, minutes=59)
    assert policy.next_attempt(now=late, first_attempt_at=T0, attempts=30) == T0 + timedelta(days=1)
    assert policy.next_attempt(now=T0 + timedelta(days=1), first_attempt_at=T0, attempts=31) is None


@pytest.mark.parametrize("body, expected", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("ó" * 70, 1), ("ó" * 71, 2), ("ó" * 134, 2), ("ó" * 135, 3),
    ("ñÑüé¿¡" * 10, 1),  # in the GSM alphabet
    ("€" * 80, 1), ("€" * 81, 2),  # extension characters count twice
])
def test_segments(body, expected):
    assert segments(body) == expected


@pytest.mark.parametrize("body, reply", [
    ("STOP", Reply.OPT_OUT), (" stop ", Reply.OPT_OUT), ("Alto", Reply.OPT_OUT),
    ("ALTO.", Reply.OPT_OUT), ("unsubscribe", Reply.OPT_OUT), ("Opt out", Reply.OPT_OUT),
    ("revoke", Reply.OPT_OUT), ("quit", Reply.OPT_OUT), ("end", Reply.OPT_OUT),
    ("cancel", Reply.OPT_OUT), ("START", Reply.OPT_IN), ("unstop", Reply.OPT_IN),
    ("help", Reply.HELP), ("AYUDA", Reply.HELP), ("Ayúdame", Reply.OTHER),
    ("please stop texting me", Reply.MAYBE_OPT_OUT),
    ("Thank you, I will call on Monday", Reply.OTHER),
])
def test_what_a_reply_means(body, reply):
    assert classify(body) is reply
