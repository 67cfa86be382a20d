"""Stretches of time, and the little arithmetic scheduling needs on them. Pure; UTC inside."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Interval:
    """From ``start`` up to (not including) ``end``; both timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an interval's ends must carry their time zone")
        if self.end <= self.start:
            raise ValueError("an interval must end after it starts")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        return self.start <= other.start and other.end <= self.end

    def padded(self, by: timedelta) -> "Interval":
        return Interval(self.start - by, self.end + by)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching or overlapping intervals joined."""
    merged: list[Interval] = []
    for item in sorted(intervals):
        if merged and item.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, item.end))
        else:
            merged.append(item)
    return merged


def intersect(left: Iterable[Interval], right: Iterable[Interval]) -> list[Interval]:
    """The times in both."""
    a, b = merge(left), merge(right)
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if start < end:
            result.append(Interval(start, end))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return result


def subtract(base: Iterable[Interval], taken: Iterable[Interval]) -> list[Interval]:
    """The times in ``base`` and not in ``taken``."""
    result = []
    taken = merge(taken)
    for piece in merge(base):
        start = piece.start
        for cut in taken:
            if cut.end <= start or cut.start >= piece.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if start < piece.end:
            result.append(Interval(start, piece.end))
    return result
