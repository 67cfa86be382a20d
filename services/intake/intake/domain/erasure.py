"""What goes when a person is erased, and when a requester's details have been kept long enough.

A person is erased with her own data key and the keys of the cases she requested: what she
wrote about the offender, her notes and her travel need are hers. The cases stay, "details
erased"."""
from datetime import datetime, timedelta

from intake.domain.model import Case, Registration


def subjects_erased_with(cases: list[Case]) -> list[str]:
    """The other subjects whose keys go with her: the cases she requested."""
    return [case.case_id for case in cases]


def due_for_erasure(cases: list[Case], registrations: list[Registration], *, now: datetime,
                    keep: timedelta) -> bool:
    """ERASE_AFTER_CLOSED_DAYS: every case she requested has ended, the last one closed by the
    program longer than ``keep`` ago, and no custody notices still need her contact."""
    closed = [case.closed_at for case in cases if case.closed_at is not None]
    if not closed or any(case.is_open for case in cases):
        return False
    if any(registration.is_active for registration in registrations):
        return False
    return max(closed) <= now - keep
