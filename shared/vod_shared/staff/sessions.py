"""The staff session: a signed cookie any service with the same secret accepts.

It holds the username, when the session began and when it was last used; the server checks both
against an idle timeout and an absolute lifetime on every request, and re-issues it on activity.
"""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "vod_staff_session"
# Services on one host may disagree on the time by a little.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    username: str
    issued_at: datetime
    last_seen: datetime
    credential_stamp: str = ""


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


class SessionCodec:
    def __init__(self, secret: str, *, idle: timedelta = timedelta(minutes=30),
                 lifetime: timedelta = timedelta(hours=12)) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._serializer = URLSafeTimedSerializer(secret, salt="vod-staff-session")

    def begin(self, username: str, credential_stamp: str, now: datetime) -> Session:
        return Session(username, now, now, credential_stamp)

    def touch(self, session: Session, now: datetime) -> Session:
        return replace(session, last_seen=max(now, session.last_seen))

    def encode(self, session: Session) -> str:
        return self._serializer.dumps({
            "u": session.username, "iat": _epoch(session.issued_at),
            "seen": _epoch(session.last_seen), "cs": session.credential_stamp,
        })

    def decode(self, token: str | None, now: datetime) -> Session | None:
        """The session if the token is genuine and neither idle too long nor too old."""
        if not token:
            return None
        try:
            # The signature's own age is a backstop; the real checks use the injected clock.
            max_age = int((self.lifetime + CLOCK_SKEW).total_seconds())
            data = self._serializer.loads(token, max_age=max_age)
            session = Session(str(data["u"]), _moment(int(data["iat"])), _moment(int(data["seen"])),
                              str(data.get("cs", "")))
        except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
            return None
        if session.last_seen > now + CLOCK_SKEW or session.issued_at > session.last_seen:
            return None
        if now - session.last_seen > self.idle or now - session.issued_at > self.lifetime:
            return None
        return session
