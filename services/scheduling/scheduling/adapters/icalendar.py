"""An iCalendar (RFC 5545) invitation to the dialogue, in the reader's zone and language.

It carries no one's name or contact: the time, the kind of venue, and the session's id, so a
rescheduled dialogue (a higher SEQUENCE, the same UID) replaces the earlier invitation.
"""
from dataclasses import dataclass
from datetime import datetime

from scheduling.domain.availability import zone

WORDS = {
    "en": {"summary": "Victim-offender dialogue", "facility": "Facility {code}",
           "community": "Community venue: {place}",
           "community_tbc": "Community venue (to be confirmed)",
           "video": "Video call",
           "description": "Your facilitator will go over every detail with you beforehand. "
                          "Questions: {phone}."},
    "es": {"summary": "Diálogo entre víctima y ofensor", "facility": "Centro penitenciario {code}",
           "community": "Lugar en la comunidad: {place}",
           "community_tbc": "Lugar en la comunidad (por confirmar)", "video": "Videollamada",
           "description": "Su facilitador repasará cada detalle con usted antes. "
                          "Preguntas: {phone}."},
}


@dataclass(frozen=True)
class Invitation:
    session_id: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    facility_code: str | None
    place: str | None
    sequence: int
    cancelled: bool = False


def session_ics(invite: Invitation, *, time_zone: str, language: str, phone: str,
                now: datetime, show_place: bool = True) -> bytes:
    # imported when an invitation is made: some 4 MiB the service need not hold otherwise
    from icalendar import Calendar, Event
    words = WORDS.get(language, WORDS["en"])
    tz = zone(time_zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Dialogue//Victim-Offender Dialogue//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{invite.session_id}@dialogue.vod")
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", invite.starts_at.astimezone(tz))
    event.add("dtend", invite.ends_at.astimezone(tz))
    event.add("summary", words["summary"])
    event.add("description", words["description"].format(phone=phone))
    event.add("location", _location(invite, words, show_place))
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _location(invite: Invitation, words: dict, show_place: bool) -> str:
    if invite.venue == "facility":
        return words["facility"].format(code=invite.facility_code)
    if invite.venue == "community":
        if invite.place and show_place:
            return words["community"].format(place=invite.place)
        return words["community_tbc"]
    return words["video"]
