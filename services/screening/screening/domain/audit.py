"""An entry of the audit log: who did or tried what, about which case, when, from where."""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    DONE = "done"
    REFUSED_UNAUTHENTICATED = "refused_unauthenticated"  # 401 / sent to sign in
    REFUSED_ROLE = "refused_role"                        # 403
    REFUSED_NOT_FOUND = "refused_not_found"              # 404: no such case, or not theirs
    REFUSED_INVALID = "refused_invalid"                  # 409 / 422: not recorded


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str | None  # None: nobody signed in
    action: str           # e.g. case.read, eligibility.decide, clearance.grant
    outcome: Outcome
    address: str
    case_id: str | None = None
    method: str = ""
    path: str = ""
    detail: str | None = None
