"""The victim's own links (``/v/<token>``): signed, purpose-bound, 30 days, revocable.

Notifications puts a fresh one in each email it sends; intake honours them. The token is
signed, not encrypted, and holds only random ids: the person, the case when the message is
about one, a random link id and the link's purpose. Intake keeps what takes a link back
(a person's "sign out everywhere" moment, a revoked link id) in its own store, so a link
can be taken back although it was never stored. Opening a link never changes anything by
itself (mail scanners follow links): a change needs a button press, a POST, and a one-time
code sent to the contact on file.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "vod.victim-link.v1"
PAGE = "page"  # her own page: her case, her messages, her preferences, her registrations
MAX_AGE = timedelta(days=30)


class LinkExpired(ValueError):
    pass


class LinkInvalid(ValueError):
    pass


@dataclass(frozen=True)
class VictimLink:
    link_id: str
    person_id: str
    case_id: str | None
    purpose: str
    issued_at: datetime


class VictimLinks:
    def __init__(self, secret: str, *, max_age: timedelta = MAX_AGE) -> None:
        if not secret:
            raise ValueError("VICTIM_LINK_SECRET is not set")
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._max_age = max_age

    def token(self, case_id: str | None, person_id: str, *, purpose: str = PAGE) -> str:
        return self._serializer.dumps({"c": case_id, "p": person_id, "u": purpose,
                                       "l": secrets.token_urlsafe(12)})

    def read(self, token: str, *, purpose: str = PAGE) -> VictimLink:
        try:
            data, signed_at = self._serializer.loads(
                token, max_age=int(self._max_age.total_seconds()), return_timestamp=True)
        except SignatureExpired:
            raise LinkExpired() from None
        except BadSignature:
            raise LinkInvalid() from None
        if not isinstance(data, dict) or not isinstance(data.get("p"), str):
            raise LinkInvalid()
        # A link made before links had ids and purposes is a page link; its id is its signature,
        # so it can still be taken back one by one.
        if data.get("u", PAGE) != purpose:
            raise LinkInvalid()
        link_id = data.get("l") or token.rsplit(".", 1)[-1]
        return VictimLink(link_id=link_id, person_id=data["p"], case_id=data.get("c"),
                          purpose=purpose, issued_at=signed_at.astimezone(timezone.utc))
