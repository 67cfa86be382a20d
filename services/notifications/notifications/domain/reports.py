"""The notice figures for a period, counted from the delivery log.

The rules, the same on the page and in the CSV:
- a period is whole days in the program's time zone, ``first`` to ``last`` inclusive, and a
  notice belongs to the period in which it was created (decided on), whatever became of it;
- each notice is counted once, by its kind (template) and channel, in the state it is in now;
- the delivery rate is the share of notices that went (``sent``) among those whose sending has
  ended (sent, failed, or outcome unknown); notices skipped, cancelled, paused or still queued
  are left out of it. ``confirmed`` counts texts the provider said reached the handset.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from vod_shared.periods import Period

from notifications.domain.delivery import Status

ENDED = (Status.SENT, Status.FAILED, Status.UNKNOWN)
NOT_SENT = (Status.SKIPPED, Status.CANCELLED)
WAITING = (Status.PENDING, Status.SENDING, Status.PAUSED)


@dataclass(frozen=True)
class LoggedNotice:
    """One delivery-log row as the reports see it: codes and times, nobody's details."""
    kind: str
    channel: str
    status: Status
    created_at: datetime
    confirmed: bool = False


@dataclass(frozen=True)
class NoticeFigures:
    kind: str
    channel: str
    created: int
    sent: int
    failed: int
    unknown: int
    not_sent: int
    waiting: int
    confirmed: int

    @property
    def rate(self) -> float | None:
        """Sent among those whose sending ended, as a percentage with one decimal."""
        ended = self.sent + self.failed + self.unknown
        return round(100 * self.sent / ended, 1) if ended else None


def _figures(kind: str, channel: str, notices: list[LoggedNotice]) -> NoticeFigures:
    states = Counter(notice.status for notice in notices)
    return NoticeFigures(
        kind, channel, len(notices), states[Status.SENT], states[Status.FAILED],
        states[Status.UNKNOWN], sum(states[s] for s in NOT_SENT),
        sum(states[s] for s in WAITING), sum(1 for n in notices if n.confirmed))


def notice_figures(notices: list[LoggedNotice], period: Period) -> list[NoticeFigures]:
    """One row per kind and channel with notices created in the period, then the total
    (kind ``all``, channel ``all``)."""
    inside = [notice for notice in notices if period.holds(notice.created_at)]
    groups: dict[tuple[str, str], list[LoggedNotice]] = {}
    for notice in inside:
        groups.setdefault((notice.kind, notice.channel), []).append(notice)
    rows = [_figures(kind, channel, group) for (kind, channel), group in sorted(groups.items())]
    return rows + [_figures("all", "all", inside)]
