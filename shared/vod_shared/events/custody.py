"""Events on ``vod.custody``: the corrections department's feed (subject: the CDCR number)."""
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vod_shared.events.base import EventData


class CustodyStatus(StrEnum):
    IN_PRISON = "in_prison"
    ON_PAROLE = "on_parole"
    COUNTY_JAIL = "county_jail"
    FEDERAL_CUSTODY = "federal_custody"
    OUT_OF_STATE = "out_of_state"
    DISCHARGED = "discharged"
    DECEASED = "deceased"
    ESCAPED = "escaped"


class CustodyChange(StrEnum):
    ADMISSION = "admission"
    TRANSFER = "transfer"
    RELEASE = "release"
    PAROLE_HEARING = "parole_hearing"
    DEATH = "death"
    ESCAPE = "escape"
    RETURN = "return"
    CONTRACT = "contract"
    SCHEDULED_EXECUTION = "scheduled_execution"
    PAROLE_DISCHARGE = "parole_discharge"
    NAME_CHANGE = "name_change"


class CustodyStatusChanged(EventData):
    event_name: ClassVar[str] = "CustodyStatusChanged"

    change_id: str
    cdcr_number: str
    change: CustodyChange
    status: CustodyStatus
    facility_code: str | None = None
    previous_facility_code: str | None = None
    effective_at: datetime
    hearing_date: date | None = None
    execution_date: date | None = None
    # True for what a roster's first load told the registry about someone it had no record of:
    # where they are, not a change that just happened (nobody needs telling of it as news).
    initial_load: bool = False
