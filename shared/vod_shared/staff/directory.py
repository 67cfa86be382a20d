"""The accounts as the services see them, in the staff store (``staff_accounts``): what a
request needs to be authorized (display name, roles, enabled, credential stamp), and nothing
that signs anyone in (no password hash, no second-factor secret).

Written at each sign-in (by the service that signs people in), by that service whenever it sees
the staff file change (an edit by hand too), and by the staff command, which also ends the
member's sessions. Every service reads it with the session, in one query (``sessions.py``).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from vod_shared.db import insert_or_ignore
from vod_shared.staff.model import Role, StaffMember
from vod_shared.staff.store import StaffStore, staff_accounts, utc


@dataclass(frozen=True)
class DirectoryEntry:
    username: str
    display_name: str
    roles: frozenset[Role]
    disabled: bool
    credential_stamp: str

    @classmethod
    def of(cls, member: StaffMember, *, disabled: bool = False) -> "DirectoryEntry":
        return cls(member.username, member.display_name, frozenset(member.roles), disabled,
                   member.credential_stamp)

    def member(self) -> StaffMember | None:
        """The member to authorize; None when the account is disabled."""
        if self.disabled:
            return None
        return StaffMember(self.username, self.display_name, self.roles,
                           credential_stamp=self.credential_stamp)

    def values(self) -> dict:
        return {"display_name": self.display_name, "roles": encode_roles(self.roles),
                "disabled": self.disabled, "credential_stamp": self.credential_stamp}


def encode_roles(roles) -> str:
    return ",".join(sorted(Role(role).value for role in roles))


def decode_roles(text: str) -> frozenset[Role]:
    """Roles as stored; a name this code does not know is left out (fail closed)."""
    known = {role.value for role in Role}
    return frozenset(Role(name) for name in text.split(",") if name in known)


def entry_of_row(row) -> DirectoryEntry:
    return DirectoryEntry(row.username, row.display_name, decode_roles(row.roles),
                          bool(row.disabled), row.credential_stamp)


class AccountDirectory:
    def __init__(self, store: StaffStore) -> None:
        self.store = store

    async def put(self, entries: list[DirectoryEntry], now: datetime) -> int:
        """Writes these entries (only those that differ from the stored ones); how many."""
        return await self.sync(entries, now, complete=False)

    async def sync(self, entries: list[DirectoryEntry], now: datetime, *,
                   complete: bool = True) -> int:
        """Makes the store say what ``entries`` say. ``complete``: they are every account, so
        one stored but not among them (taken out of the staff file) is marked disabled."""
        wanted = {entry.username: entry for entry in entries}
        written = 0
        async with self.store.transaction() as db:
            rows = (await db.execute(select(staff_accounts) if complete else select(
                staff_accounts).where(staff_accounts.c.username.in_(list(wanted))))).all()
            stored = {row.username: entry_of_row(row) for row in rows}
            for username, entry in wanted.items():
                if stored.get(username) == entry:
                    continue
                values = {**entry.values(), "updated_at": utc(now)}
                added = await db.execute(insert_or_ignore(
                    db, staff_accounts, "username", username=username, **values))
                if not added.rowcount:
                    await db.execute(update(staff_accounts).where(
                        staff_accounts.c.username == username).values(**values))
                written += 1
            if complete:
                gone = [name for name, entry in stored.items()
                        if name not in wanted and not entry.disabled]
                if gone:
                    await db.execute(update(staff_accounts).where(
                        staff_accounts.c.username.in_(gone)).values(
                        disabled=True, updated_at=utc(now)))
                    written += len(gone)
        return written
