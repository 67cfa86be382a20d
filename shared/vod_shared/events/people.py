"""Events on ``vod.people`` (compacted, keyed by a random person id).

The person's details are a ciphertext under the person's own data key; that key travels
wrapped for each service allowed to read it. Destroying the key erases the person everywhere.
"""
from datetime import datetime
from typing import ClassVar

from vod_shared.events.base import EventData


class SealedDetails(EventData):
    """A person's details under their own data key (XSalsa20-Poly1305, nonce included)."""

    # service name -> the person's data key, wrapped for that service's public key by the
    # sealing service's private key (base64)
    wrapped_keys: dict[str, str]
    ciphertext: str
    # The service that sealed it: a reader opens the wrapped key with that service's public key
    # and takes the value only from the services it expects (optional for the schema's sake;
    # a value without it is refused)
    sealed_by: str | None = None


class PersonRegistered(EventData):
    event_name: ClassVar[str] = "PersonRegistered"

    person_id: str
    # Everything that identifies or reaches the person, for those who reach them (intake,
    # notifications).
    sealed: SealedDetails
    at: datetime
    # Only the name, for the staff who are shown it (screening, scheduling); absent for a
    # person no staff page shows (a registrant).
    staff_view: SealedDetails | None = None


class PersonUpdated(EventData):
    event_name: ClassVar[str] = "PersonUpdated"

    person_id: str
    # Everything that identifies or reaches the person, for those who reach them (intake,
    # notifications).
    sealed: SealedDetails
    at: datetime
    # Only the name, for the staff who are shown it (screening, scheduling); absent for a
    # person no staff page shows (a registrant).
    staff_view: SealedDetails | None = None


class PersonErased(EventData):
    event_name: ClassVar[str] = "PersonErased"

    person_id: str
    at: datetime
