"""The support person a victim brings to the dialogue hears of it as she does: an invitation
(with the calendar file by email, and a text too if they prefer texts), a new one when it
changes, and its cancellation. Nothing of her preparation meetings, her surveys or her case's
steps, and never a link to her page. Pure: the time is passed in."""
from dataclasses import dataclass
from datetime import datetime

from vod_shared.events import Channel, Language, SessionCancelled, SessionScheduled

from notifications.domain.model import Case, Notice
from notifications.domain.schedule import (
    History,
    _begun,
    _by_the_case,
    _change,
    _keep,
    _times,
    _with_email,
    _yes,
)

# Their own templates (no reminder yet), so the victim's history of the dialogue never mixes
# with theirs.
SESSION = ("session_id", "support_session_invitation", "support_session_reminder",
           "support_session_cancelled")


@dataclass(frozen=True)
class SupportPerson:
    person_id: str
    language: Language
    channel: Channel


def invitation(case: Case, person: SupportPerson, event: SessionScheduled, known: History, *,
               now: datetime) -> Notice | None:
    """The dialogue (or its new version) for a support person; None when not news to them."""
    if case.ended or event.starts_at <= now or event.sequence <= known.planned_sequence:
        return None
    return _to(person, case, SESSION[1], {
        "session_id": event.session_id, "sequence": str(event.sequence),
        "venue": event.venue.value, "facility_code": event.facility_code,
        "time_zone": event.time_zone, **_times(event.starts_at, event.ends_at),
        **_change(known.told, event.starts_at), "ics_method": "REQUEST",
        "issued_at": now.isoformat()}, _with_email(person.channel))


def cancellation(case: Case, person: SupportPerson, event: SessionCancelled, known: History, *,
                 now: datetime) -> Notice | None:
    """Told once, to a support person who was told of it, before it would have begun; after
    the case's own step only as a calendar update by email."""
    told = known.told
    if told is None or known.cancellation_planned or _begun(told, now):
        return None
    quietly = case.ended or _by_the_case(event.reason)
    return _to(person, case, SESSION[3], {
        **_keep(told, "session_id", "venue", "facility_code", "starts_at", "ends_at"),
        "sequence": str(max(event.sequence, int(told["sequence"]) + 1)),
        "ics_method": "CANCEL", "issued_at": now.isoformat(), "by_the_case": _yes(quietly)},
        (Channel.EMAIL,) if quietly else _with_email(person.channel))


def _to(person: SupportPerson, case: Case, template: str, facts: dict,
        channels: tuple[Channel, ...]) -> Notice:
    return Notice(recipient_id=person.person_id, template=template, channels=channels,
                  subject=case.case_id, reference=case.reference, language=person.language,
                  params=tuple((k, v) for k, v in facts.items() if v is not None),
                  preferred=person.channel if person.channel is not Channel.EMAIL else None)
