"""The staff session: a row in the staff store, named by a random id in a signed cookie.

The row holds the username, when the session began and was last used, the member's credential
stamp then, and when it ended. Every request on any service reads it and checks it against an
idle timeout and an absolute lifetime; signing out ends it on the server, so the cookie is
refused everywhere after, and "sign out everywhere" ends all of a member's rows.
"""
import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select, update

from vod_shared.db import as_utc
from vod_shared.staff.store import StaffStore, staff_sessions, utc

COOKIE_NAME = "vod_staff_session"
# Services on one host may disagree on the time by a little.
CLOCK_SKEW = timedelta(minutes=1)
# ``last_seen`` is written at most this often: a page and its API calls make one write, not ten.
TOUCH_EVERY = timedelta(seconds=10)


@dataclass(frozen=True)
class Session:
    session_id: str = field(repr=False)  # the random id in the cookie; the store keeps its hash
    username: str
    issued_at: datetime
    last_seen: datetime
    credential_stamp: str = ""


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSessions:
    def __init__(self, store: StaffStore, secret: str, *, idle: timedelta = timedelta(minutes=30),
                 lifetime: timedelta = timedelta(hours=12)) -> None:
        self.store = store
        self.idle = idle
        self.lifetime = lifetime
        self._serializer = URLSafeTimedSerializer(secret, salt="vod-staff-session")

    # The cookie

    def encode(self, session: Session) -> str:
        return self._serializer.dumps({"sid": session.session_id})

    def session_id(self, token: str | None) -> str | None:
        """The id a genuine cookie names (its signature's own age is a backstop only)."""
        if not token:
            return None
        try:
            data = self._serializer.loads(
                token, max_age=int((self.lifetime + CLOCK_SKEW).total_seconds()))
            session_id = data["sid"]
        except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
            return None
        return session_id if isinstance(session_id, str) and session_id else None

    # The row

    async def begin(self, username: str, credential_stamp: str, now: datetime) -> Session:
        session = Session(secrets.token_urlsafe(32), username, now, now, credential_stamp)
        async with self.store.transaction() as db:
            await db.execute(staff_sessions.insert().values(
                session_hash=_hash(session.session_id), username=username,
                issued_at=utc(now), last_seen=utc(now), credential_stamp=credential_stamp))
            # Rows no cookie can use any more go (ended ones too, once idle).
            await db.execute(delete(staff_sessions).where(or_(
                staff_sessions.c.last_seen < utc(now - self.idle - CLOCK_SKEW),
                staff_sessions.c.issued_at < utc(now - self.lifetime - CLOCK_SKEW))))
        return session

    async def current(self, token: str | None, now: datetime) -> Session | None:
        """The session this cookie names if it has not ended and is neither idle too long nor
        too old."""
        session_id = self.session_id(token)
        if session_id is None:
            return None
        async with self.store.transaction() as db:
            row = (await db.execute(select(staff_sessions).where(
                staff_sessions.c.session_hash == _hash(session_id)))).one_or_none()
        if row is None or row.ended_at is not None:
            return None
        session = Session(session_id, row.username, as_utc(row.issued_at), as_utc(row.last_seen),
                          row.credential_stamp)
        if now - session.last_seen > self.idle or now - session.issued_at > self.lifetime:
            return None
        return session

    async def touch(self, session: Session, now: datetime) -> Session:
        """Marks the session used now (for the idle timeout)."""
        if now - session.last_seen < TOUCH_EVERY:
            return session
        async with self.store.transaction() as db:
            await db.execute(update(staff_sessions).where(
                staff_sessions.c.session_hash == _hash(session.session_id),
                staff_sessions.c.ended_at.is_(None),
                staff_sessions.c.last_seen < utc(now)).values(last_seen=utc(now)))
        return replace(session, last_seen=now)

    async def end(self, session_id: str, now: datetime) -> str | None:
        """Ends one session; the username whose it was, if it was still open."""
        key = _hash(session_id)
        async with self.store.transaction() as db:
            ended = await db.execute(update(staff_sessions).where(
                staff_sessions.c.session_hash == key,
                staff_sessions.c.ended_at.is_(None)).values(ended_at=utc(now)))
            if not ended.rowcount:
                return None
            return (await db.execute(select(staff_sessions.c.username).where(
                staff_sessions.c.session_hash == key))).scalar_one_or_none()

    async def end_all(self, username: str, now: datetime) -> int:
        """Ends every open session of ``username``; how many there were."""
        async with self.store.transaction() as db:
            ended = await db.execute(update(staff_sessions).where(
                staff_sessions.c.username == username,
                staff_sessions.c.ended_at.is_(None)).values(ended_at=utc(now)))
            return ended.rowcount
