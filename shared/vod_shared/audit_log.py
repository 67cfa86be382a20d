"""The staff audit log every service keeps of its own: the table's shape (each service's
migrations create it and make the store refuse changes and deletions), and the JSON answer and
query bounds of each service's ``/api/audit`` and ``/staff/audit``. Ids, actions, who, when,
from where and the outcome; never a person's details.

Every entry is written with ``record_audit``, which also puts an ``AuditRecorded`` in the outbox
in the same transaction: the entry and its event are kept together or not at all, and screening
shows every service's entries on one page (``/staff/audit/everywhere``). Every service may write
``vod.audit``, so each entry told there is signed with its service's signing key
(``signed_entry``), and screening keeps only those its service signed (``check_entry``): a host
holding one service's credentials cannot tell an entry in another's name."""
import base64
import binascii
import ipaddress
import json
import time
from datetime import datetime, timezone

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import AUDIT_SIGNER, PER_FACTORY, TOPIC_PREFIX, outbox
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events.audit import AuditRecorded
from vod_shared.sealing import CannotUnseal, Keyring, fingerprint
from vod_shared.topics import AUDIT

PAGE_SIZE = 100  # entries on one page of ``/staff/audit``
CASE_ID_MAX = 64  # the widest case id the audit tables keep


def audit_log_table(metadata: MetaData) -> Table:
    """The ``audit_log`` table in a service's metadata, appended to only."""
    return Table(
        "audit_log", metadata,
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("username", String(64), nullable=True),
        Column("action", String(64), nullable=False),
        Column("outcome", String(32), nullable=False),
        Column("case_id", String(CASE_ID_MAX), nullable=True, index=True),
        Column("address", String(64), nullable=False),
        Column("method", String(8), nullable=False),
        Column("path", String(512), nullable=False),
        Column("detail", String(300), nullable=True),
        Index("ix_audit_log_username", "username", "at"),
    )


class AuditEntryOut(BaseModel):
    at: datetime
    username: str | None
    action: str
    outcome: str
    case_id: str | None
    address: str
    method: str
    path: str
    detail: str | None


class AuditOut(BaseModel):
    count: int
    items: list[AuditEntryOut]


class ServiceAuditEntryOut(AuditEntryOut):
    service: str  # whose audit log the entry is in: intake, screening, scheduling, notifications
    entry_seq: int  # its number in that log
    # More than one entry came with the same service and number (a host with one service's
    # credentials may write in another's name): each is listed, marked; the service's own log
    # holds the one it wrote.
    disputed: bool = False


class AuditEverywhereOut(BaseModel):
    """Every service's entries together (screening's ``/api/audit/everywhere``)."""
    count: int
    items: list[ServiceAuditEntryOut]


def utc_bound(moment: datetime | None) -> datetime | None:
    """A query's bound in UTC: entries are stored in UTC (SQLite keeps no offset), and the
    bounds are compared like with like."""
    return moment.astimezone(timezone.utc) if moment else None


def page_count(total: int) -> int:
    """How many pages of PAGE_SIZE the entries fill; one, even when there are none."""
    return max(1, -(-total // PAGE_SIZE))


def case_id_kept(case_id: str | None) -> str | None:
    """A case id as an audit entry keeps it: none where it cannot be one (longer than any
    case's), rather than cut to the column and so perhaps made another case's; the entry's path
    still shows what was asked for."""
    return case_id if case_id is None or len(case_id) <= CASE_ID_MAX else None


def bounded(values: dict) -> dict:
    """An entry's values cut to the audit tables' column widths (every service's log, and
    screening's of them all)."""
    detail = values.get("detail")
    return {**values, "case_id": case_id_kept(values.get("case_id")),
            "address": (values.get("address") or "")[:64],
            "method": (values.get("method") or "")[:8], "path": (values.get("path") or "")[:512],
            "detail": detail[:300] if detail else None}


MAX_ADDRESSES = 10_000


class NobodysRefusals:
    """How many refusals of someone not signed in each address may have written, per window.

    Anyone who can reach a service may be refused, and each refusal was an entry (and an
    event on vod.audit): an endless stream of them would bury staff's entries in the
    append-only log. Per address (an IPv6 address by its /64, which one host may hold whole)
    and window, the first ``per_address`` are kept; the next one is kept with a detail saying
    that more from that address are not kept until the window ends, and the rest are not. At
    most ``per_window`` are kept in all, whatever the addresses, the last of them saying so.
    Refusals of staff signed in are always kept."""

    def __init__(self, *, per_address: int = 30, per_window: int = 1000,
                 window_s: float = 600.0, clock=time.monotonic) -> None:
        self.per_address, self.per_window, self.window_s = per_address, per_window, window_s
        self._clock = clock
        self._window_began = clock()
        self._counts: dict[str, int] = {}
        self._kept = 0

    def admit(self, address: str) -> str | None:
        """``keep``; a detail to keep it with (the rest are not kept); or None (not kept)."""
        if self._clock() - self._window_began >= self.window_s:
            self._window_began, self._counts, self._kept = self._clock(), {}, 0
        if self._kept >= self.per_window:
            return None
        key = _host(address)
        if key not in self._counts and len(self._counts) >= MAX_ADDRESSES:
            key = "*"  # beyond so many addresses in one window, they count as one
        count = self._counts[key] = self._counts.get(key, 0) + 1
        if count > self.per_address + 1:
            return None
        self._kept += 1
        if self._kept == self.per_window:  # the wider of the two, when both end here
            return NOBODYS_REFUSALS_ALL_NOT_KEPT
        return NOBODYS_REFUSALS_NOT_KEPT if count == self.per_address + 1 else "keep"


def _host(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


NOBODYS_REFUSALS_NOT_KEPT = "later_refusals_from_address_not_kept"  # codes, as every detail
NOBODYS_REFUSALS_ALL_NOT_KEPT = "later_refusals_not_kept"
_REFUSALS = "nobodys_refusals"


async def record_audit(session: AsyncSession, table: Table, *, service: str,
                       values: dict) -> int | None:
    """Appends one entry to ``service``'s audit log and, in the same transaction, an
    ``AuditRecorded`` of it to the outbox (published on ``vod.audit`` once it commits);
    returns the entry's number (None: a refusal of nobody signed in, past what its address
    may write: ``NobodysRefusals``)."""
    per_service = session.info.get(PER_FACTORY)  # the service's sessions share it
    if per_service is not None and values.get("username") is None and \
            str(values.get("outcome", "")).startswith("refused"):
        refusals = per_service.setdefault(_REFUSALS, NobodysRefusals())
        admitted = refusals.admit(values.get("address") or "")
        if admitted is None:
            return None
        if admitted != "keep":
            values = {**values, "detail": admitted}
    values = bounded(values)
    seq = (await session.execute(
        insert(table).values(**values).returning(table.c.seq))).scalar_one()
    data = AuditRecorded(
        service=service, entry_seq=seq, at=values["at"], staff=values.get("username"),
        action=values["action"], outcome=values["outcome"], case_id=values.get("case_id"),
        client=values["address"], method=values["method"], path=values["path"],
        detail=values["detail"])
    signer = session.info.get(AUDIT_SIGNER)  # the service's Keyring
    if signer is not None:
        data = signed_entry(data, signer.signing)
    envelope = new_envelope(data, source=f"/services/{service}", subject=service)
    record = to_kafka(envelope)
    await session.execute(insert(outbox).values(
        event_id=envelope.id, topic=session.info.get(TOPIC_PREFIX, "") + AUDIT,
        key=envelope.subject, event_type=envelope.type, value=record.value,
        created_at=datetime.now(timezone.utc), attempts=0))
    return seq


# What an entry's signature is over begins so (the version of what it covers): such a signature
# is good for nothing else.
_SIGNED = b"vod.AuditRecorded/1\x00"
# The fields it covers, named once: a field added to the event later (a reader or a writer a
# version behind ignores it) is not covered, so entries still check across versions; one that
# must be covered needs a new version here, and readers that take both.
SIGNED_FIELDS = ("service", "entry_seq", "at", "staff", "action", "outcome", "case_id", "client",
                 "method", "path", "detail")


class EntryNotAuthentic(Exception):
    """An ``AuditRecorded`` its service did not sign: unsigned, by a key not its, or altered."""


def _signed_part(data: AuditRecorded) -> bytes:
    """The entry as signed: its ``SIGNED_FIELDS`` as JSON in one spelling (the event's values as
    they travel, so the reader's copy gives the writer's bytes)."""
    fields = data.model_dump(mode="json", include=set(SIGNED_FIELDS))
    return _SIGNED + json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode()


def signed_entry(data: AuditRecorded, signing: SigningKey) -> AuditRecorded:
    """``data`` signed with ``signing`` (its service's current signing key)."""
    signature = signing.sign(_signed_part(data)).signature
    return data.model_copy(update={"signer_key": fingerprint(signing.verify_key),
                                   "signature": base64.b64encode(signature).decode()})


def check_entry(data: AuditRecorded, keyring: Keyring) -> None:
    """That ``data`` was signed by the service it names, with a key of its still on file.
    Raises EntryNotAuthentic, saying why in a few words (never the entry's values)."""
    if not data.signer_key or not data.signature:
        raise EntryNotAuthentic("unsigned")
    try:
        verify = keyring.verify_key(data.service, data.signer_key)
    except CannotUnseal:
        raise EntryNotAuthentic(f"no signing key {data.signer_key[:16]!r} of {data.service}") \
            from None
    except (OSError, ValueError) as exc:  # this host's copy of its public keys: missing, bad
        raise EntryNotAuthentic(f"{data.service}'s public signing keys cannot be read here "
                                f"({type(exc).__name__})") from None
    try:
        verify.verify(_signed_part(data), base64.b64decode(data.signature, validate=True))
    except (BadSignatureError, binascii.Error, ValueError):
        raise EntryNotAuthentic(f"not signed by {data.service}: forged or altered") from None
