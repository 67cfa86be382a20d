"""A case's history on its staff page, written as sentences ("Preparation meeting with the
victim by phone set for Tue 12 Jan 2027, 10:00 PST"), never as event names."""
import re
from collections.abc import Callable
from datetime import datetime

from scheduling.domain.availability import zone

PARTY = {"victim": "the victim", "offender": "the offender"}
MODE = {"in_person": "in person", "phone": "by phone", "video": "by video"}
VENUE = {"facility": "at the facility", "community": "in the community", "video": "by video"}
BY = {"victim": "the victim", "staff_for_victim": "staff, for the victim",
      "facilitator": "a facilitator", "offender": "the offender",
      "director": "the program director"}
SURVEY = {"enrollment": "the enrolment survey", "after_dialogue": "the survey after the dialogue",
          "months_later": "the survey some months later"}
LANGUAGES = {"en": "English", "es": "Spanish"}
Names = Callable[[list[str]], list[str]]


def when(value: str | None, tz: str) -> str:
    if not value:
        return "a time not known"
    moment = datetime.fromisoformat(value).astimezone(zone(tz))
    return moment.strftime("%a %-d %b %Y, %H:%M %Z")


def code(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _who(names: Names, ids: list[str]) -> str:
    return " and ".join(names(ids or [])) or "no one"


def sentence(what: str, data: dict, *, names: Names, tz: str) -> str:
    """One line of history: an event scheduling recorded, or an alert (``alert:<kind>``)."""
    party = PARTY.get(data.get("party"), "a party")
    match what:
        case "FacilitatorAssigned":
            if data.get("previous_facilitator_ids"):
                return (f"Facilitators changed to {_who(names, data['facilitator_ids'])} "
                        f"(before: {_who(names, data['previous_facilitator_ids'])}"
                        f"{', ' + code(data.get('reason')) if data.get('reason') else ''}).")
            return f"Facilitators assigned: {_who(names, data.get('facilitator_ids'))}."
        case "MeetingScheduled":
            kind = "Follow-up meeting" if data.get("follow_up") else "Preparation meeting"
            again = " (moved)" if data.get("sequence") else ""
            return (f"{kind} with {party} {MODE.get(data.get('mode'), '')} set for "
                    f"{when(data.get('starts_at'), tz)}{again}.")
        case "MeetingCancelled":
            return f"Meeting with {party} cancelled ({code(data.get('reason'))})."
        case "PartyReady":
            return f"{party.capitalize()} is ready for the dialogue."
        case "SessionScheduled":
            again = " (moved)" if data.get("sequence") else ""
            place = VENUE.get(data.get("venue"), "")
            facility = f" {data['facility_code']}" if data.get("facility_code") else ""
            return (f"Joint dialogue set for {when(data.get('starts_at'), tz)}, "
                    f"{place}{facility}{again}.")
        case "SessionCancelled":
            return f"Joint dialogue cancelled ({code(data.get('reason'))})."
        case "SessionCompleted":
            return "The joint dialogue was held."
        case "ClearanceRequested":
            return (f"Gate clearance asked for at {data.get('facility_code')}"
                    f"{', needed by ' + data['needed_by'] if data.get('needed_by') else ''}.")
        case "SurveyDue":
            return f"{SURVEY.get(data.get('stage'), 'A survey').capitalize()} is due for {party}."
        case "CasePaused" | "CaseResumed":
            verb = "Put on hold" if what == "CasePaused" else "Hold lifted"
            reason = f" ({code(data.get('reason'))})" if data.get("reason") else ""
            return f"{verb} by {BY.get(data.get('by'), 'staff')}{reason}."
        case "CasesLinked":
            return (f"Linked into a joint dialogue of {len(data.get('case_ids') or [])} "
                    "family members' cases.")
        case "CaseUnlinked":
            left = len(data.get("case_ids") or [])
            return (f"A case left the joint dialogue ({left} still in it)." if left
                    else "A case left the joint dialogue; it is no longer a joint one.")
        case "CaseClosed":
            by = f" by {BY.get(data.get('by'), 'staff')}" if data.get("by") else ""
            return f"Case closed{by} ({code(data.get('reason'))})."
    if what.startswith("alert:"):
        return f"Alert: {data.get('detail') or code(what[6:])}"
    return re.sub(r"(?<!^)([A-Z])", lambda m: " " + m.group(1).lower(), what) + "."


def language(value: str | None) -> str:
    return LANGUAGES.get(value or "", value or "not known")
