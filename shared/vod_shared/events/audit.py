"""One entry of a service's staff audit log, told on ``vod.audit`` (subject and key: the
service's name) so that screening can show admins every service's entries on one
page. Each service writes it in the transaction of the entry itself (``vod_shared.audit_log``).

Like the table: ids, codes, who (a staff username), when, from where; never a person's details.
The service's entries arrive in the order of ``entry_seq`` (the key is the service's name).
"""
from datetime import datetime
from typing import ClassVar

from vod_shared.events.base import EventData


class AuditRecorded(EventData):
    event_name: ClassVar[str] = "AuditRecorded"

    service: str          # intake | screening | scheduling | notifications
    entry_seq: int        # the entry's number in that service's audit_log
    at: datetime
    # The table's ``username`` and ``address``, named so that no event field reads as a
    # person's name or whereabouts (test_events): a staff username, and the client's network
    # address the request came from.
    staff: str | None     # None: nobody signed in
    action: str           # contact.read, meeting.schedule, texts.read, ...
    outcome: str          # done | refused_...
    case_id: str | None = None
    client: str = ""
    method: str = ""
    path: str = ""
    detail: str | None = None  # a code or an id, never staff's or anyone's words
    # The service's signature over the rest (vod_shared.audit_log.signed_entry), and the id of
    # the signing key: every service writes vod.audit, and each entry is kept only when the
    # service it names signed it.
    signer_key: str | None = None
    signature: str | None = None
