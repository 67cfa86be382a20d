"""The victim's own links (``/v/<token>``): signed, expiring, naming a case and its requester.

Notifications puts them in the messages it sends; intake honours them. The token is signed,
not encrypted, and holds only random ids. Opening a link never changes anything by itself
(mail scanners follow links): a change needs a button press, a POST.
"""
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "vod.victim-link.v1"


class LinkExpired(ValueError):
    pass


class LinkInvalid(ValueError):
    pass


@dataclass(frozen=True)
class VictimLink:
    case_id: str
    person_id: str


class VictimLinks:
    def __init__(self, secret: str, *, max_age: timedelta = timedelta(days=60)) -> None:
        if not secret:
            raise ValueError("VICTIM_LINK_SECRET is not set")
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._max_age = max_age

    def token(self, case_id: str, person_id: str) -> str:
        return self._serializer.dumps({"c": case_id, "p": person_id})

    def read(self, token: str) -> VictimLink:
        try:
            data = self._serializer.loads(token, max_age=int(self._max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpired() from None
        except BadSignature:
            raise LinkInvalid() from None
        return VictimLink(case_id=data["c"], person_id=data["p"])
