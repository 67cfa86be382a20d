"""The victim's door: what the program asks before it acts on a request from the public page.

A stranger who knows a victim's phone number and an offender's CDCR number must not be able to
open a case in her name, join hers, or make the program send her his words. So a request from
the public page waits until its contact is proven, a repeat joins an open case only through a
contact that case's requester proved, and every other overlap is for a person to judge.
"""
import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from vod_shared.events import Channel, DuplicateOverlap

PENDING_LIFETIME = timedelta(hours=48)  # then the unconfirmed request is deleted, details and all
CODE_ATTEMPTS = 5  # wrong codes before a pending request or change is dropped
CHANGE_LIFETIME = timedelta(minutes=15)  # a code for a change on her page
WITHDRAWAL_UNDO = timedelta(days=7)  # a withdrawal from her page can be undone this long

EMAIL, PHONE = "email", "phone"
CASE_STEPS = ("pause", "resume", "withdraw", "undo_withdrawal")  # what she may do on her page


def kind_of(channel: Channel | str) -> str:
    """The kind of contact a channel reaches: text messages a phone, email an email."""
    return PHONE if Channel(channel) is Channel.SMS else EMAIL


def one_inbox(kind: str, value: str) -> str:
    """What counts as one inbox for the door's limits: an email without case, ``+tag`` or
    (at Gmail, which ignores them) dots in its local part; a phone as it is."""
    if kind != EMAIL or "@" not in value:
        return value
    local, domain = value.strip().lower().rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def one_client(address: str) -> str:
    """What counts as one client for the door's limits: an IPv4 address, or an IPv6 /64 (one
    household or phone gets a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def code_goes_to(change: dict, preferred_channel: str) -> str:
    """Where the code for a change on her page goes: to the contact she will be reached at once
    it is made (so moving to text messages proves the phone); else to the one she is reached at
    now. A new contact is then proven by a second code sent to it."""
    if change["what"] == "preferences":
        return kind_of(change["channel"])
    return kind_of(preferred_channel or Channel.EMAIL)


@dataclass(frozen=True)
class Contact:
    """One of a person's contacts, as intake can compare it: its kind and its keyed hash."""

    kind: str
    lookup: str
    confirmed: bool


def joins_open_case(*, asked: list[Contact], channel_kind: str, requester: list[Contact],
                    same_relationship: bool) -> bool:
    """A repeat joins an open case only when the contact it was confirmed through, for the
    channel it chose, is a contact the case's requester proved for that channel."""
    proven = next((c for c in asked if c.kind == channel_kind and c.confirmed), None)
    return same_relationship and proven is not None and any(
        c.kind == channel_kind and c.confirmed and c.lookup == proven.lookup for c in requester)


def overlaps(asked: list[Contact], requester: list[Contact]) -> list[DuplicateOverlap]:
    """What two requests share, for staff to judge; never shown to either requester."""
    theirs = {c.lookup for c in requester}
    shared = {c.kind for c in asked if c.lookup in theirs}
    return [overlap for kind, overlap in ((EMAIL, DuplicateOverlap.SAME_EMAIL),
                                          (PHONE, DuplicateOverlap.SAME_PHONE)) if kind in shared]
