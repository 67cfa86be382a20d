"""The staff API's bodies and answers about possible duplicates. What two requests share is
given as codes (``same_email``, ``same_phone``), never the email or the number."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vod_shared.events import DuplicateDecision, DuplicateOverlap

from screening.domain import commands


class DuplicateDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: DuplicateDecision = Field(description="same_requester: one person made both "
                                                    "requests; different_requesters: two people")
    other_case_id: str | None = Field(None, min_length=1, max_length=64,
                                      description="the case it may duplicate; needed only when "
                                                  "more than one is waiting for a decision")

    def to_command(self, case_id: str) -> commands.ResolveDuplicate:
        return commands.ResolveDuplicate(case_id, self.decision, self.other_case_id)


class OtherCaseOut(BaseModel):
    case_id: str
    reference: str | None = Field(description="null while screening has not heard of the case")


class PossibleDuplicateOut(BaseModel):
    other_case_id: str
    other_reference: str | None
    overlaps: list[DuplicateOverlap]
    decided_here: bool = Field(description="this case is the newer one, where it is decided")
    found_at: datetime
    decision: DuplicateDecision | None
    decided_by: str | None
    decided_at: datetime | None


class DuplicateResolvedOut(BaseModel):
    case_id: str
    other_case_id: str
    decision: DuplicateDecision
    decided_by: str
    decided_at: datetime
