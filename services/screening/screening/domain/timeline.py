"""The case's timeline: one short line per event, from the event's codes alone.

Events carry no name, contact, whereabouts or free text (those travel sealed on the people
topic), and these lines add none: a timeline row is safe to show any staff member who may see
the case.
"""
from collections.abc import Callable

from vod_shared import events as e

from screening.domain import clearances, duplicates, review, suitability

RELATIONSHIP = {"victim": "the victim", "surviving_family_member": "a surviving family member",
                "witness": "a witness", "other": "someone else"}
SOURCE = {"webhook": "through a partner's form", "web_form": "on the public web form",
          "phone": "by phone, taken by staff"}
ASKED_AGAIN = {"webhook": "through a partner's form", "web_form": "through the public page",
               "phone": "through staff"}
LANGUAGE = {"en": "English", "es": "Spanish"}
BY = {"victim": "the victim", "staff_for_victim": "staff, at the victim's request",
      "facilitator": "a facilitator", "offender": "the offender", "director": "the director"}
PARTY = {"victim": "the victim", "offender": "the offender"}
ROLE = {"victim": "the victim", "support_person": "a support person",
        "facilitator": "a facilitator"}
REASON = {**review.ELIGIBLE_BECAUSE, **review.INELIGIBLE_BECAUSE, **suitability.REASONS,
          **clearances.DENIAL_REASONS, "not_in_registry": "Not in the custody registry",
          "offender_transferred": "The offender was transferred",
          "offender_left_facility": "The offender left the facility",
          "support_person_added": "A support person was added",
          "support_person_removed": "The victim no longer brings this support person",
          "support_person_erased": "The support person's details were erased",
          "victim_erased": "The victim's details were erased"}
# Why a support person was taken off a case (``SupportPersonRemoved.reason``)
SUPPORT_PERSON_REMOVED = {
    e.SupportPersonRemovalReason.VICTIM_ASKED: "A support person was removed, at the victim's word",
    e.SupportPersonRemovalReason.VICTIM_ERASED: ("A support person was removed: the victim's "
                                                 "details were erased, and theirs with hers"),
    e.SupportPersonRemovalReason.SUPPORT_PERSON_ERASED: ("A support person was removed: their "
                                                         "details were erased"),
}


def words(code: str | None, table: dict[str, str] = REASON) -> str:
    """A code in words; an unknown code as itself, made readable."""
    if code is None:
        return ""
    return table.get(code, code.replace("_", " "))


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") + " (local time there)"


def _request(d: e.RequestReceived) -> str:
    # Whether the victim lives out of state travels sealed (``logistics``): the stored line
    # leaves it out, and the case page adds ``travel_note`` when it opens the seal.
    return (f"Dialogue requested by {words(d.relationship, RELATIONSHIP)} "
            f"{words(d.source, SOURCE)} (messages in {words(d.preferred_language, LANGUAGE)} "
            f"by {d.preferred_channel.value})")


def _asked_again(d: e.RequestRepeated) -> str:
    # What they wrote this time stays sealed (``details``): the stored line says only how.
    return f"The requester asked again ({words(d.source, ASKED_AGAIN)})"


def travel_note(travel_offered: bool | None) -> str:
    """What the request's line adds once the victim's logistics are opened for a page."""
    return ("; the victim lives outside California: travel accommodation offered"
            if travel_offered else "")


def _step(verb: str) -> Callable:
    def describe(d) -> str:
        reason = f": {words(d.reason)}" if d.reason else ""
        return f"{verb} by {words(d.by, BY)}{reason}"
    return describe


def _custody(d: e.CustodyStatusChanged) -> str:
    where = f" at {d.facility_code}" if d.facility_code else ""
    moved = (f" from {d.previous_facility_code}"
             if d.previous_facility_code and d.previous_facility_code != d.facility_code else "")
    hearing = f"; hearing on {d.hearing_date.isoformat()}" if d.hearing_date else ""
    return (f"Custody: {words(d.change.value)}{moved} — now {words(d.status.value)}{where}"
            f", effective {d.effective_at.date().isoformat()}{hearing}")


def _eligibility(d: e.EligibilityDetermined) -> str:
    outcome = {"eligible": "eligible", "ineligible": "not eligible",
               "needs_review": "needs a decision by hand"}[d.outcome.value]
    by = " (by the registry)" if d.decided_by == "system" else f" (decided by {d.decided_by})"
    ends = "; the case ends" if d.ends_case else ""
    return f"Eligibility: {outcome} — {words(d.reason)}{by}{ends}"


def _screening(d: e.ScreeningCompleted) -> str:
    reasons = f": {'; '.join(words(r) for r in d.reasons)}" if d.reasons else ""
    indirect = ("; the victim is offered the indirect path (a letter)"
                if d.indirect_path_offered else "")
    return f"Suitability screening {d.outcome.value} by {d.decided_by}{reasons}{indirect}"


def _assigned(d: e.FacilitatorAssigned) -> str:
    count = len(d.facilitator_ids)
    again = "Reassigned" if d.previous_facilitator_ids else "Assigned"
    return f"{again}: {count} facilitator{'s' if count != 1 else ''}"


DESCRIBE: dict[type, Callable] = {
    e.RequestReceived: _request,
    e.RequestRepeated: _asked_again,
    # The lines a case's page shows name the other case by its reference (``duplicates.lines``);
    # these, from the event alone, are what a rebuild of the timeline would give.
    e.PossibleDuplicateFound: lambda d: (f"Possible duplicate of another open case: the "
                                         f"requests give {duplicates.shared_words(d.overlaps)}"),
    e.DuplicateResolved: lambda d: (f"Possible duplicate decided: "
                                    f"{words(d.decision.value, duplicates.DECISIONS)}"),
    e.CasePaused: _step("Paused"),
    e.CaseResumed: _step("Resumed"),
    e.CaseWithdrawn: _step("Withdrawn"),
    e.CaseClosed: lambda d: f"Closed: {words(d.reason)}",
    e.CustodyStatusChanged: _custody,
    e.EligibilityDetermined: _eligibility,
    e.ScreeningCompleted: _screening,
    e.ClearanceGranted: lambda d: (f"Gate clearance granted to {words(d.visitor_role, ROLE)} "
                                   f"for {d.facility_code} until {d.expires_on.isoformat()}"),
    e.ClearanceDenied: lambda d: (f"Gate clearance denied to {words(d.visitor_role, ROLE)} "
                                  f"for {d.facility_code}: {words(d.reason)}"),
    e.ClearanceVoided: lambda d: (f"Gate clearance of {words(d.visitor_role, ROLE)} for "
                                  f"{d.facility_code} void: {words(d.reason)}"),
    e.ClearanceRequested: lambda d: (f"Scheduling asked for gate clearance at {d.facility_code}"
                                     f": {words(d.reason)}"),
    e.FacilitatorAssigned: _assigned,
    e.MeetingScheduled: lambda d: (f"Preparation meeting with {words(d.party, PARTY)} "
                                   f"({d.mode.value.replace('_', ' ')}) set for "
                                   f"{_when(d.starts_at)}"),
    e.MeetingCancelled: lambda d: (f"Preparation meeting with {words(d.party, PARTY)} "
                                   f"cancelled: {words(d.reason)}"),
    e.PartyReady: lambda d: f"{words(d.party, PARTY).capitalize()} is ready for the dialogue",
    e.SessionScheduled: lambda d: (f"Joint dialogue set for {_when(d.starts_at)}, "
                                   f"{d.venue.value}"
                                   + (f" at {d.facility_code}" if d.facility_code else "")),
    e.SessionCancelled: lambda d: f"Joint dialogue cancelled: {words(d.reason)}",
    e.SessionCompleted: lambda d: "Joint dialogue held",
    e.SurveyDue: lambda d: (f"Survey due for {words(d.party, PARTY)} "
                            f"({words(d.stage.value)})"),
    # The indirect path's letter: its words stay sealed in scheduling; these say only what
    # happened to it.
    e.LetterReceived: lambda d: (f"Letter from the offender received ({d.received_on.isoformat()}"
                                 + (f", revision {d.revision}" if d.revision > 1 else "") + ")"),
    e.LetterReviewed: lambda d: f"Letter reviewed: {words(d.outcome.value)}",
    e.LetterKept: lambda d: "Letter kept in the letter bank: the victim does not want it now",
    e.LetterDelivered: lambda d: f"Letter given to the victim ({words(d.handover.value)})",
    # Linked family cases: several family members' cases in one joint dialogue (ids only).
    e.CasesLinked: lambda d: (f"Joint dialogue with {_others(len(d.case_ids) - 1)} "
                              "(linked family cases)"),
    e.CaseUnlinked: lambda d: ("A case left the joint dialogue"
                               + (f"; {len(d.case_ids)} still in it" if d.case_ids
                                  else "; it is no longer a joint one")),
    e.SupportPersonAdded: lambda d: "A support person was added for the victim",
    e.SupportPersonRemoved: lambda d: SUPPORT_PERSON_REMOVED[d.why],
    e.NotificationSent: lambda d: (f"Message sent by {d.channel.value} "
                                   f"({words(d.template)})"),
    e.NotificationFailed: lambda d: (f"Message by {d.channel.value} could not be sent "
                                     f"({words(d.template)})"),
}


def _others(count: int) -> str:
    return f"{count} other participant" + ("" if count == 1 else "s")


def cases_of(data: e.EventData, subject: str | None) -> list[str]:
    """The cases an event is about: its own, or a joint dialogue's (subject: its group)."""
    if isinstance(data, e.CasesLinked):
        return list(data.case_ids)
    if isinstance(data, e.CaseUnlinked):
        return [data.case_id, *data.case_ids]
    return [getattr(data, "case_id", None) or subject]


def describe(data: e.EventData) -> str | None:
    """The timeline line for an event; None for an event that is not part of a case's story."""
    describe_one = DESCRIBE.get(type(data))
    return describe_one(data)[:300] if describe_one else None


# The one code of an event (never words): the outcome or reason code the reports count by, or
# the venue of a joint dialogue.
CODE: dict[type, Callable] = {
    e.EligibilityDetermined: lambda d: d.outcome.value,
    e.ScreeningCompleted: lambda d: d.outcome.value,
    e.CaseWithdrawn: lambda d: d.reason,
    e.CaseClosed: lambda d: d.reason,
    e.SurveyDue: lambda d: d.stage.value,
    # The joint dialogue's venue: a video dialogue needs no gate clearance (stages.waiting_on)
    e.SessionScheduled: lambda d: d.venue.value,
}


def code(data: e.EventData) -> str | None:
    """The event's code for the reports; None for an event counted without one."""
    code_of = CODE.get(type(data))
    return code_of(data)[:64] if code_of and code_of(data) else None
