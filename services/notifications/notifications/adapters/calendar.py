"""The dialogue as an iCalendar object (RFC 5545) for the victim's own calendar: METHOD:REQUEST
adds or updates it, METHOD:CANCEL takes it away (iTIP, RFC 5546).

The UID is the session's, in the same form as scheduling's staff calendar file, so each update
replaces the last; SEQUENCE orders them. Times are written in the reader's zone, with its
VTIMEZONE. The file names no one but the program (the organizer) and the reader (the attendee:
their own address, in a message sent only to them); the place is at most a facility's public
name.
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//CDCR OVSRS//Dialogue notifications//EN"


@dataclass(frozen=True)
class CalendarEntry:
    session_id: str
    sequence: int
    cancelled: bool
    starts_at: datetime
    ends_at: datetime | None
    issued_at: datetime  # when the invitation (or its cancellation) was decided: DTSTAMP
    summary: str
    description: str
    location: str
    organizer: str | None = None  # an email address
    organizer_name: str | None = None
    attendee: str | None = None  # an email address


def uid(session_id: str) -> str:
    return f"{session_id}@dialogue.vod"


def to_ics(entry: CalendarEntry, zone: ZoneInfo) -> bytes:
    # imported when a calendar file is made: some 4 MiB the service need not hold otherwise
    from icalendar import Calendar
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if entry.cancelled else "REQUEST")
    calendar.add_component(_event(entry, zone))
    # Only the years around the dialogue: the zone's whole history would be kilobytes of rules.
    year = entry.starts_at.astimezone(zone).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()


def _event(entry: CalendarEntry, zone: ZoneInfo) -> "Event":
    from icalendar import Event, vCalAddress
    event = Event()
    event.add("uid", uid(entry.session_id))
    event.add("sequence", entry.sequence)
    event.add("dtstamp", entry.issued_at.astimezone(timezone.utc))
    event.add("dtstart", entry.starts_at.astimezone(zone))
    if entry.ends_at is not None:
        event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("location", entry.location)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if entry.organizer:
        organizer = vCalAddress(f"mailto:{entry.organizer}")
        if entry.organizer_name:
            organizer.params["CN"] = entry.organizer_name
        event.add("organizer", organizer)
    if entry.attendee:
        attendee = vCalAddress(f"mailto:{entry.attendee}")
        # No reply is asked for: the victim tells their facilitator, not a calendar server.
        attendee.params.update({"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
        event.add("attendee", attendee)
    return event
