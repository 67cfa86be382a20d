"""No facilitator is booked twice: every meeting and dialogue keeps a buffer around it, and
falls inside the facilitator's own hours."""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from scheduling.domain.availability import Availability
from scheduling.domain.errors import DoubleBooked, Unavailable
from scheduling.domain.intervals import Interval

BUFFER = timedelta(minutes=30)


@dataclass(frozen=True)
class Commitment:
    """Something on a facilitator's calendar: a meeting or a dialogue, in some case."""

    facilitator_id: str
    when: Interval
    case_id: str
    ref_id: str
    kind: str  # meeting or session


def ensure_bookable(when: Interval, facilitator_ids: Iterable[str], *,
                    commitments: Iterable[Commitment], hours: Mapping[str, Availability],
                    moving: str | None = None) -> None:
    """Raises unless every facilitator is within their hours and free, buffers included.
    ``moving`` names the meeting or session being moved, which does not clash with itself."""
    commitments = list(commitments)
    for facilitator_id in facilitator_ids:
        availability = hours.get(facilitator_id)
        if availability is None or not availability.covers(when):
            raise Unavailable(f"Facilitator {facilitator_id} is not available then "
                              "(outside their hours, or a day off).")
        for taken in commitments:
            if (taken.facilitator_id == facilitator_id and taken.ref_id != moving
                    and taken.when.padded(BUFFER).overlaps(when)):
                raise DoubleBooked(f"Facilitator {facilitator_id} already has a {taken.kind} "
                                   f"then (with {int(BUFFER.total_seconds() // 60)} minutes "
                                   "between meetings).")


def busy_times(commitments: Iterable[Commitment], facilitator_ids: Iterable[str]) -> list[Interval]:
    wanted = set(facilitator_ids)
    return [c.when.padded(BUFFER) for c in commitments if c.facilitator_id in wanted]
