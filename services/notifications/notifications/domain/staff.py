"""Alerts to the program's staff mailbox where a person must act: a request that needs a
person's review, a message that could not be delivered (or may not have been), and a parole
hearing reported with less than 90 days' notice.

An alert names the case by its reference and says what is needed; never whom it concerns nor
how to reach them (staff look that up where they are allowed to). A failed alert is not alerted
again.
"""
from vod_shared.events import Channel, CustodyStatusChanged, Language

from notifications.domain.delivery import Delivery, Status
from notifications.domain.model import Case, CaseState, Notice
from notifications.domain.schedule import calendar_only

# The recipient id of the staff mailbox in the delivery table: not a person, holds no contact.
STAFF_MAILBOX = "staff-mailbox"
# How many registrations an alert lists by reference (the rest are counted).
MAX_REFERENCES = 20


def review_needed(case: Case, reason: str, *, requester_planned: bool) -> Notice | None:
    """Screening could not decide eligibility by itself (``reason``, a code such as
    ``not_in_registry``); ``requester_planned``: a message telling the requester was planned."""
    if case.ended:
        return None
    return _alert("staff_needs_review", case.case_id, case.reference,
                  {"subject_id": case.case_id, "reason": reason[:64],
                   "requester": _requester_told(case, requester_planned)})


def _requester_told(case: Case, planned: bool) -> str:
    """What the requester hears of it, as known when the alert is planned: ``going`` (their
    message goes now), ``held`` (it waits for the paused case to resume), or ``not_told``
    (none was planned: an erased person is told nothing)."""
    if not planned:
        return "not_told"
    return "held" if case.state is CaseState.PAUSED else "going"


def delivery_problem(delivery: Delivery, status: Status, reason: str) -> Notice | None:
    """A message ended failed, or its outcome is unknown: someone has to check and reach the
    person another way (or reconcile with the provider before anything is sent again)."""
    if delivery.recipient_id == STAFF_MAILBOX or calendar_only(delivery.template,
                                                                delivery.params):
        return None  # a calendar update after they withdrew or paused: nobody reaches them
    template = "staff_delivery_unknown" if status is Status.UNKNOWN else "staff_delivery_failed"
    return _alert(template, delivery.subject, delivery.reference, {
        "delivery_id": delivery.id, "subject_id": delivery.subject,
        "message": delivery.template, "channel": delivery.channel, "reason": reason})


def waiting_for_key(delivery: Delivery, waited_minutes: int) -> Notice | None:
    """A message has waited long for the data key that opens her contact (it travels on
    vod.keys): something is wrong upstream, and she may need to be reached another way.
    The message keeps waiting; it goes once the key comes."""
    if delivery.recipient_id == STAFF_MAILBOX:
        return None
    return _alert("staff_delivery_waiting_for_key", delivery.subject, delivery.reference, {
        "delivery_id": delivery.id, "subject_id": delivery.subject,
        "message": delivery.template, "channel": delivery.channel,
        "waited_minutes": str(waited_minutes)})


def hearing_on_short_notice(event: CustodyStatusChanged, days: int,
                            told: list[Notice]) -> Notice:
    """A parole hearing reported fewer than 90 days ahead (domain.hearings): staff must reach
    the registrants in time. Names the offender's CDCR number, the date, the days left and the
    registrations told (their references), never a registrant's name or contact."""
    references = sorted({n.reference for n in told})
    return _alert("staff_hearing_short_notice", event.cdcr_number, event.cdcr_number, {
        "cdcr_number": event.cdcr_number, "hearing_date": event.hearing_date.isoformat(),
        "days_ahead": str(days), "registrations": str(len(references)),
        "references": ", ".join(references[:MAX_REFERENCES])
                      + (" and others" if len(references) > MAX_REFERENCES else "")})


def _alert(template: str, subject: str, reference: str, facts: dict[str, str]) -> Notice:
    return Notice(recipient_id=STAFF_MAILBOX, template=template, channels=(Channel.EMAIL,),
                  subject=subject, reference=reference, language=Language.EN,
                  params=tuple(facts.items()))
