"""What screening is asked to do, in the program's words."""
from dataclasses import dataclass

from screening.domain.custody import CustodyReport


@dataclass(frozen=True)
class RecordCustodyChange:
    """Keep what the corrections department reported in the registry, and announce it.
    ``webhook_id``: the feed's id for the call, so a call received twice is kept once."""

    report: CustodyReport
    webhook_id: str | None = None
