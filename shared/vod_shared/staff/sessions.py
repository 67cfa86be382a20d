"""The staff session: a row in the staff store, named by a random id in the cookie.

The row holds the username, when the session began and was last used, the member's credential
stamp then, and when it ended. Every request on any service reads it (with the member's entry in
``staff_accounts``) and checks it against an idle timeout and an absolute lifetime; signing out
ends it on the server, so the cookie is refused everywhere after, and "sign out everywhere" ends
all of a member's rows.

The cookie is the id itself, 256 random bits, not signed. A signature would add nothing a
service could not check in the store: an id is good only while a row with its SHA-256 is there
and open, and guessing one of the open ids among 2**256 is out of reach, so a forged or altered
cookie names no row. Nor does the store give one away: it keeps only the hashes. So no service
needs a secret shared with the others to trust a session; each keeps its own secret for its
CSRF tokens only. (Whoever can write the store can still make a session, as before, when every
service held both the store's credentials and the one shared secret.)
"""
import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from vod_shared.db import as_utc
from vod_shared.staff.directory import DirectoryEntry, decode_roles
from vod_shared.staff.store import StaffStore, staff_accounts, staff_sessions, utc

COOKIE_NAME = "vod_staff_session"
# Services on one host may disagree on the time by a little.
CLOCK_SKEW = timedelta(minutes=1)
# ``last_seen`` is written at most this often: a page and its API calls make one write, not ten.
TOUCH_EVERY = timedelta(seconds=10)
ID_BYTES = 32  # 256 bits
_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


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
    def __init__(self, store: StaffStore, *, idle: timedelta = timedelta(minutes=30),
                 lifetime: timedelta = timedelta(hours=12)) -> None:
        self.store = store
        self.idle = idle
        self.lifetime = lifetime

    # The cookie: the id itself (see the module's doc for why it needs no signature)

    @staticmethod
    def encode(session: Session) -> str:
        return session.session_id

    @staticmethod
    def session_id(token: str | None) -> str | None:
        """The id the cookie names, if it has the shape of one (anything else is not looked up)."""
        return token if token and _ID.fullmatch(token) else None

    # The row

    async def begin(self, username: str, credential_stamp: str, now: datetime) -> Session:
        session = Session(secrets.token_urlsafe(ID_BYTES), username, now, now, credential_stamp)
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
        return (await self.current_with_account(token, now))[0]

    async def current_with_account(self, token: str | None, now: datetime
                                   ) -> tuple[Session | None, DirectoryEntry | None]:
        """The session as ``current`` finds it, and its member's entry in the store's accounts
        (None if there is none), read together."""
        session_id = self.session_id(token)
        if session_id is None:
            return None, None
        async with self.store.transaction() as db:
            row = (await db.execute(
                select(staff_sessions, staff_accounts.c.display_name, staff_accounts.c.roles,
                       staff_accounts.c.disabled,
                       staff_accounts.c.credential_stamp.label("account_stamp"))
                .select_from(staff_sessions.outerjoin(
                    staff_accounts, staff_accounts.c.username == staff_sessions.c.username))
                .where(staff_sessions.c.session_hash == _hash(session_id)))).one_or_none()
        if row is None or row.ended_at is not None:
            return None, None
        session = Session(session_id, row.username, as_utc(row.issued_at), as_utc(row.last_seen),
                          row.credential_stamp)
        if now - session.last_seen > self.idle or now - session.issued_at > self.lifetime:
            return None, None
        if row.display_name is None:
            return session, None
        return session, DirectoryEntry(row.username, row.display_name, decode_roles(row.roles),
                                       bool(row.disabled), row.account_stamp)

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
