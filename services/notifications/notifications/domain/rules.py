"""Who hears what, as the program states it. Pure: the time is passed in.

- Every accepted request and registration is acknowledged; a request repeated about an open
  case is answered with its own message (we have it already, what she wrote is on her case),
  at most once a day, and held like the rest while the case is paused.
- A requester hears of each step of their case in careful words; after they withdraw, or
  the case closes, nothing more about it is sent. A case closed because the screening did not
  approve it is told as a dialogue that cannot go ahead, the same words whether the offender
  declined or not (never the offender's reasons). A withdrawal from her own page can be undone
  for 7 days: she is told at once that it is withdrawn, that messages about it stop and how to
  undo it; an undo is told as the request being active again; the withdrawal that becomes final
  after the 7 days is not told again.
- A message goes on the channel the person prefers when it goes (domain.delivery.channel_now).
- Custody changes (form 1707): a registrant hears only of the kinds they chose (the latest set,
  when they change it from their page); a witness never of a parole hearing; whoever chose
  ``escape`` also hears of the return to custody; an escape is urgent and goes on every channel
  they have; a parole hearing is told on receipt and again ahead of the hearing (14 days
  before); one reported with fewer than 90 days' notice says so (domain.hearings). A registration
  follows the offender by CDCR number, so a transfer changes nothing about who is told. A
  cancelled registration hears of nothing (domain.registrations).
"""
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vod_shared.events import (
    SCREENING_DECLINED,
    WITHDRAWAL_PENDING,
    WITHDRAWAL_UNDONE,
    ActedBy,
    Channel,
    CustodyChange,
    CustodyNoticeKind,
    CustodyStatusChanged,
    EligibilityOutcome,
    Relationship,
)

from notifications.domain.delivery import Delivery, Status
from notifications.domain.hearings import short_notice_days
from notifications.domain.model import Case, Notice, Registration
from vod_shared.zones import PROGRAM_ZONE

EVERY_CHANNEL = (Channel.EMAIL, Channel.SMS)
# Which form-1707 choice makes a registrant hear of a change; the return to custody belongs
# to whoever asked to hear of an escape. Admissions and name changes concern nobody here.
HEARD_BY_CHOOSING = {
    CustodyChange.RELEASE: CustodyNoticeKind.RELEASE,
    CustodyChange.DEATH: CustodyNoticeKind.DEATH,
    CustodyChange.ESCAPE: CustodyNoticeKind.ESCAPE,
    CustodyChange.RETURN: CustodyNoticeKind.ESCAPE,
    CustodyChange.PAROLE_HEARING: CustodyNoticeKind.PAROLE_HEARING,
    CustodyChange.TRANSFER: CustodyNoticeKind.TRANSFER,
    CustodyChange.PAROLE_DISCHARGE: CustodyNoticeKind.PAROLE_DISCHARGE,
    CustodyChange.CONTRACT: CustodyNoticeKind.CONTRACT,
    CustodyChange.SCHEDULED_EXECUTION: CustodyNoticeKind.SCHEDULED_EXECUTION,
}
URGENT_CHANGES = frozenset({CustodyChange.ESCAPE})
PAROLE_HEARING_REMINDER_DAYS = 14
REMINDER_LOCAL_TIME = time(10, 0)  # in the program's zone; quiet hours still apply on top
REQUEST_ACKNOWLEDGED = "request_acknowledged"
REQUEST_REPEATED = "request_repeated"
# A case the suitability screening did not approve (scheduling's CaseClosed, SCREENING_DECLINED).
CASE_NOT_GOING_AHEAD = "case_not_going_ahead"
# The messages that tell a requester we have her request: the first, and the answer to a repeat.
ACKNOWLEDGEMENTS = (REQUEST_ACKNOWLEDGED, REQUEST_REPEATED)
ACKNOWLEDGE_AGAIN_AFTER = timedelta(hours=24)
# The messages about a form-1707 registration (not a case), by the start of their names.
REGISTRATION_MESSAGES = ("custody_", "registration_")


def acknowledge_request(case: Case) -> Notice:
    return _to_requester(case, REQUEST_ACKNOWLEDGED)


def acknowledge_again(case: Case, last: Delivery | None, *, now: datetime) -> Notice | None:
    """A requester who asks again about their open case (RequestRepeated) is told, with the
    case's reference, that we have her request already and that what she wrote is on her case
    (``request_repeated``: the first acknowledgement's "staff will review it and contact you"
    is untrue of a case months into preparation).

    At most one such message about a case in 24 hours (``ACKNOWLEDGE_AGAIN_AFTER``), counting
    the first acknowledgement, and none while the last is still on its way (waiting out the
    night, held while the case is paused, being sent). Why a day and not minutes: the public
    request page takes a request from anyone who gives a victim's email or phone and the
    offender's CDCR number, and each one is a RequestRepeated about her case; with a limit of
    minutes a stranger could make the program write to her several times a day (unsettling,
    and telling of her case to whoever shares her phone or inbox). A day still answers the
    victim who writes again another day; one who writes again the same day has had our answer.
    ``last``: the case's latest of ``ACKNOWLEDGEMENTS`` that went or may still go."""
    if case.ended:
        return None
    if last is not None:
        if last.status not in (Status.SENT, Status.UNKNOWN):
            return None
        if now - (last.finished_at or last.created_at or now) < ACKNOWLEDGE_AGAIN_AFTER:
            return None
    return _to_requester(case, REQUEST_REPEATED)


def acknowledge_registration(registration: Registration) -> Notice:
    kinds = ",".join(kind for kind in CustodyNoticeKind if kind in registration.notify_on)
    return _to_registrant(registration, "registration_acknowledged", (("kinds", kinds),))


def tell_eligibility(case: Case, outcome: EligibilityOutcome) -> Notice | None:
    """Each outcome has its own gentle message; none of them says "denied"."""
    if case.ended:
        return None
    return _to_requester(case, f"eligibility_{outcome.value}")


def confirm_case_step(case: Case, step: str, by: ActedBy | None, reason: str | None = None,
                      *, withdrawal_was_pending: bool = False) -> Notice | None:
    """``step`` is paused, resumed, withdrawn or closed. A pause the victim did not ask for is
    told as the case being on hold, without blame. ``withdrawal_was_pending``: the case was
    held by her withdrawal from her page (WITHDRAWAL_PENDING) before this step."""
    if step not in ("paused", "resumed", "withdrawn", "closed"):
        raise ValueError(f"not a step of a case: {step}")
    if step == "paused":
        if reason == WITHDRAWAL_PENDING:
            return _to_requester(case, "case_withdrawal_pending")
        asked = by in (ActedBy.VICTIM, ActedBy.STAFF_FOR_VICTIM)
        return _to_requester(case, "case_paused" if asked else "case_on_hold")
    if step == "resumed" and (reason == WITHDRAWAL_UNDONE or withdrawal_was_pending):
        return _to_requester(case, "case_withdrawal_undone")
    if step == "withdrawn" and withdrawal_was_pending:
        return None  # she was told when she withdrew, with the 7 days to undo it
    if step == "closed" and reason in SCREENING_DECLINED:
        # The same careful words whoever declined: never the offender's reasons.
        return _to_requester(case, CASE_NOT_GOING_AHEAD)
    return _to_requester(case, f"case_{step}")


def hears_of(change: CustodyChange, registration: Registration) -> bool:
    kind = HEARD_BY_CHOOSING.get(change)
    if kind is None or not registration.active:
        return False
    if change is CustodyChange.PAROLE_HEARING and registration.relationship is Relationship.WITNESS:
        return False  # the program: parole hearings are for victims and families only
    return kind in registration.notify_on


def custody_notices(event: CustodyStatusChanged, registrations: Iterable[Registration],
                    *, now: datetime) -> list[Notice]:
    if getattr(event, "initial_load", False):
        return []  # a roster's first load says where someone is, not that something changed
    notices = []
    short = short_notice_days(event, now) is not None
    for registration in _one_per_registrant(event.change, registrations):
        notice = _custody_notice(event, registration)
        reminder = _hearing_reminder(event, registration, now)
        if reminder:
            notice = replace(notice, params=(*notice.params, ("reminder", "yes")))
        if short:  # the notice says the hearing is soon (domain.hearings)
            notice = replace(notice, params=(*notice.params, ("short_notice", "yes")))
        notices.extend(n for n in (notice, reminder) if n)
    return notices


def _custody_notice(event: CustodyStatusChanged, registration: Registration) -> Notice:
    urgent = event.change in URGENT_CHANGES
    return Notice(
        recipient_id=registration.registrant_id, template=f"custody_{event.change.value}",
        channels=EVERY_CHANNEL if urgent else (registration.channel,),
        subject=registration.registration_id, reference=registration.reference,
        language=registration.language, params=_custody_facts(event), urgent=urgent,
        preferred=None if urgent else registration.channel)


def _hearing_reminder(event: CustodyStatusChanged, registration: Registration,
                      now: datetime) -> Notice | None:
    if event.change is not CustodyChange.PAROLE_HEARING or event.hearing_date is None:
        return None
    due = reminder_time(event.hearing_date)
    if due <= now:
        return None  # the hearing is near: the notice sent now is the reminder
    return replace(_custody_notice(event, registration),
                   template="custody_parole_hearing_reminder", not_before=due)


def case_linked(template: str, subject: str) -> str | None:
    """The case a message's link to her page names: its subject, unless the message is about a
    registration (its subject is then the registration, and the link names only her)."""
    return None if template.startswith(REGISTRATION_MESSAGES) else subject


def reminder_time(hearing_date: date) -> datetime:
    day = hearing_date - timedelta(days=PAROLE_HEARING_REMINDER_DAYS)
    return datetime.combine(day, REMINDER_LOCAL_TIME, tzinfo=ZoneInfo(PROGRAM_ZONE))


def _one_per_registrant(change: CustodyChange,
                        registrations: Iterable[Registration]) -> list[Registration]:
    """Someone registered twice about one offender is told once, by their latest registration
    that asked for this kind."""
    chosen: dict[str, Registration] = {}
    for registration in sorted(registrations, key=lambda r: r.received_at):
        if hears_of(change, registration):
            chosen[registration.registrant_id] = registration
    return list(chosen.values())


def _custody_facts(event: CustodyStatusChanged) -> tuple[tuple[str, str], ...]:
    facts = {
        "change": event.change.value,
        "effective_at": event.effective_at.isoformat(),
        "facility_code": event.facility_code,
        "hearing_date": event.hearing_date.isoformat() if event.hearing_date else None,
        "execution_date": event.execution_date.isoformat() if event.execution_date else None,
    }
    return tuple((k, v) for k, v in facts.items() if v is not None)


def _to_requester(case: Case, template: str) -> Notice:
    return Notice(recipient_id=case.requester_id, template=template, channels=(case.channel,),
                  subject=case.case_id, reference=case.reference, language=case.language,
                  preferred=case.channel)


def _to_registrant(registration: Registration, template: str,
                   params: tuple[tuple[str, str], ...] = ()) -> Notice:
    return Notice(recipient_id=registration.registrant_id, template=template,
                  channels=(registration.channel,), subject=registration.registration_id,
                  reference=registration.reference, language=registration.language,
                  params=params, preferred=registration.channel)
