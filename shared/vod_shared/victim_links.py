"""The victim's own links (``/v/<token>``): signed, purpose-bound, 30 days, revocable.

Notifications puts a fresh one in each email it sends; intake honours them. The token is
signed, not encrypted, and holds only random ids: the person, the case when the message is
about one, a random link id and the link's purpose. Intake keeps what takes a link back
(a person's "sign out everywhere" moment, a revoked link id) in its own store, so a link
can be taken back although it was never stored. A link made for an email names the address it
went to by a keyed mark (never the address): it opens only while that address is still hers,
so a message that went to an address she has since replaced opens nothing, whenever it was
made. Opening a link never changes anything by
itself (mail scanners follow links): a change needs a button press, a POST, and a one-time
code sent to the contact on file.
"""
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "vod.victim-link.v1"
PAGE = "page"  # her own page: her case, her messages, her preferences, her registrations
MAX_AGE = timedelta(days=30)


def mailbox(address: str) -> str:
    """One mailbox however its address is written (capitals, spaces around it)."""
    return address.strip().casefold()


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
    sent_to: str | None = None  # the keyed mark of the address it was sent to, if made for one


class VictimLinks:
    def __init__(self, secret: str, *, max_age: timedelta = MAX_AGE) -> None:
        if not secret:
            raise ValueError("VICTIM_LINK_SECRET is not set")
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._max_age = max_age
        self._marks = hashlib.sha256(b"vod.victim-link.sent-to:" + secret.encode()).digest()

    def token(self, case_id: str | None, person_id: str, *, purpose: str = PAGE,
              sent_to: str | None = None) -> str:
        """``sent_to``: the address the link goes to in a message (it then opens only while
        that address is hers)."""
        data = {"c": case_id, "p": person_id, "u": purpose, "l": secrets.token_urlsafe(12)}
        if sent_to:
            data["t"] = self.mark(sent_to)
        return self._serializer.dumps(data)

    def mark(self, address: str) -> str:
        """The address's keyed mark: the same for the same mailbox however it is written,
        and nothing about the address to whoever lacks the secret."""
        digest = hmac.new(self._marks, mailbox(address).encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")

    def still_theirs(self, link: "VictimLink", *addresses: str | None) -> bool:
        """Whether a link made for an address went to one of these (hers now); a link made
        for no address (her page's own, after a change) is not bound to one."""
        if link.sent_to is None:
            return True
        return any(hmac.compare_digest(link.sent_to, self.mark(a)) for a in addresses if a)

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
        sent_to = data.get("t")
        return VictimLink(link_id=link_id, person_id=data["p"], case_id=data.get("c"),
                          purpose=purpose, issued_at=signed_at.astimezone(timezone.utc),
                          sent_to=sent_to if isinstance(sent_to, str) else None)
