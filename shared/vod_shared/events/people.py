"""Events on ``vod.people`` (compacted, keyed by a random person id).

The person's details are a ciphertext under the person's own data key; that key travels
wrapped for each service allowed to read it. Destroying the key erases the person everywhere.
"""
from datetime import datetime
from typing import ClassVar

from vod_shared.events.base import EventData


class SealedDetails(EventData):
    """Details only the services allowed to read them can open, and that prove who sealed them.

    On a topic (``key_id`` set): the ciphertext is under one purpose key of the data key of
    the person (or case) it is about; that data key is held by intake and given to each
    reader on ``vod.keys``. Destroying it erases every copy, on every topic, for good. The
    sealing service signs it (``signature``, by its signing key ``sender_key``).

    In a service's own store (``wrapped_keys`` set): the ciphertext is under a key of its own,
    wrapped for each reader with the sealing service's key (``crypto_box``)."""

    # service name -> the value's data key, wrapped for that service's public key by the
    # sealing service's private key (base64); empty for a value under a person's data key
    wrapped_keys: dict[str, str] = {}
    ciphertext: str
    # The service that sealed it: a reader opens the wrapped key with that service's public key
    # and takes the value only from the services it expects (optional for the schema's sake;
    # a value without it is refused)
    sealed_by: str | None = None
    # Which key of each reader it is wrapped for, and which key of the sealer sealed or signed
    # it (key ids, so a keyring of current and previous keys takes the right one)
    reader_keys: dict[str, str] | None = None
    sender_key: str | None = None
    # Under a person's (or case's) data key: that key's id, which of its purpose keys
    # (``vod_shared.person_keys.PURPOSES``: who may read it), and the sealer's signature
    key_id: str | None = None
    purpose: str | None = None
    signature: str | None = None


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
    """A person was erased: intake destroyed their data key (and the keys of what they alone
    said, such as the notes of the cases they asked for: ``subjects``). Every service deletes
    its copy of those keys and of the person's details; a case's history stays."""
    event_name: ClassVar[str] = "PersonErased"

    person_id: str
    at: datetime
    # Other ids whose data keys were destroyed with the person's (the case ids of the cases
    # they requested: their notes and logistics)
    subjects: list[str] = []


class SubjectKeyGranted(EventData):
    """On ``vod.keys`` (compacted, keyed ``<subject id>/<reader>``): the data key of one person
    (or case), as the purpose keys one reader may use, wrapped for that reader by intake
    (``crypto_box``). When the subject is erased, intake writes a tombstone under the same key,
    and compaction removes this record."""
    event_name: ClassVar[str] = "SubjectKeyGranted"

    subject_id: str
    key_id: str
    reader: str
    # The reader's key it is wrapped for and intake's key that wrapped it (key ids)
    reader_key: str
    sender_key: str
    wrapped: str
