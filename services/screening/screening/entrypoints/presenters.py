"""Screening's views as the API's answers."""
from datetime import datetime

from vod_shared.audit_log import AuditEntryOut

from screening.domain.clearances import Clearance
from screening.domain.duplicates import PossibleDuplicate
from screening.domain.stages import QueueEntry, describe_wait
from screening.entrypoints.duplicate_schemas import (
    DuplicateResolvedOut,
    OtherCaseOut,
    PossibleDuplicateOut,
)
from screening.entrypoints.staff_schemas import (
    CaseOut,
    ClearanceOut,
    QueueItemOut,
    TimelineOut,
    VisitorOut,
)
from screening.service_layer.views import CaseView, DuplicateView


def queue_item(entry: QueueEntry, now: datetime) -> QueueItemOut:
    waited = entry.waited(now)
    return QueueItemOut(case_id=entry.case_id, reference=entry.reference,
                        cdcr_number=entry.cdcr_number, stage=entry.stage.value,
                        waiting_since=entry.waiting_since,
                        waited_hours=int(waited.total_seconds() // 3600),
                        waited=describe_wait(waited), facility_code=entry.facility_code,
                        paused=entry.paused, possible_duplicate=bool(entry.duplicate_of),
                        possible_duplicate_of=[OtherCaseOut(case_id=o.case_id,
                                                            reference=o.reference)
                                               for o in entry.duplicate_of])


def clearance_out(c: Clearance, reference: str | None = None) -> ClearanceOut:
    return ClearanceOut(clearance_id=c.clearance_id, case_id=c.case_id, reference=reference,
                        visitor_id=c.visitor_id, visitor_role=c.visitor_role,
                        facility_code=c.facility_code, status=c.status.value,
                        requested_at=c.requested_at, requested_by=c.requested_by,
                        decided_at=c.decided_at, decided_by=c.decided_by,
                        expires_on=c.expires_on, reason=c.reason)


def case_out(view: CaseView) -> CaseOut:
    case, e, s = view.case, view.case.eligibility, view.case.suitability
    eligibility = None if e is None else {
        "outcome": e.outcome.value, "reason": e.reason, "facility_code": e.facility_code,
        "on_parole": e.on_parole, "decided_by": case.decided_by, "decided_at": case.decided_at}
    suitability = None if s is None else {
        "outcome": s.outcome.value, "reasons": list(s.reasons), **s.findings.__dict__,
        "indirect_path_offered": s.indirect_path_offered, "decided_by": s.decided_by,
        "decided_at": s.decided_at}
    return CaseOut(
        case_id=case.case_id, reference=case.reference, cdcr_number=case.cdcr_number,
        status=case.status.value, stage=view.stage.value, paused=case.paused,
        requester_id=case.requester_id, requester_name=view.requester_name,
        travel_accommodation=view.travel_offered, details_erased=view.details_erased,
        eligibility=eligibility, suitability=suitability,
        visitors=[VisitorOut(visitor_id=v.visitor_id, role=v.role, staff_account=v.staff_account)
                  for v in view.visitors],
        waiting_on=[{"on": w.on, "what": w.what} for w in view.waiting],
        clearances=[clearance_out(c) for c in view.clearances],
        possible_duplicates=[possible_duplicate_out(d) for d in view.duplicates],
        timeline=[TimelineOut(event_id=t.event_id, type=t.event_type, source=t.source,
                              at=t.occurred_at, summary=t.summary) for t in view.timeline])


def possible_duplicate_out(view: DuplicateView) -> PossibleDuplicateOut:
    d = view.duplicate
    return PossibleDuplicateOut(other_case_id=view.other.case_id,
                                other_reference=view.other.reference, overlaps=list(d.overlaps),
                                decided_here=view.decided_here, found_at=d.found_at,
                                decision=d.decision, decided_by=d.decided_by,
                                decided_at=d.decided_at)


def duplicate_resolved(d: PossibleDuplicate) -> DuplicateResolvedOut:
    return DuplicateResolvedOut(case_id=d.case_id, other_case_id=d.other_case_id,
                                decision=d.decision, decided_by=d.decided_by,
                                decided_at=d.decided_at)


def audit_entry(entry) -> AuditEntryOut:
    return AuditEntryOut(**{**entry.__dict__, "outcome": entry.outcome.value})
