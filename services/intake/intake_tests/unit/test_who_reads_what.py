"""Who can open what intake seals (README, the table of purposes): every value is sealed under
its person's or case's own key, for one purpose, and each reader is given on ``vod.keys`` only
the purpose keys it may use. Checked by opening each value as each service would: with its own
private key file and the grants intake put in its outbox for it."""
import base64
import json

from nacl.public import Box

from vod_shared.person_keys import open_grant, readers_of_keys
from vod_shared.sealing import SERVICES, CannotUnseal

from ..conftest import dialogue_request

TABLE = {
    "PersonRegistered.sealed (a requester)": {"intake", "notifications"},
    "PersonRegistered.staff_view (a requester)": {"intake", "screening", "scheduling"},
    "PersonRegistered.sealed (a registrant)": {"intake", "notifications"},
    "RequestReceived.logistics": {"intake", "screening", "scheduling"},
    "RequestRepeated.details": {"intake", "screening", "scheduling"},
}
# What each reader's grants hold: never a contact for the staff side, never notes for
# notifications.
GRANTED = {"screening": {"name", "case_notes", "logistics"},
           "scheduling": {"name", "case_notes", "logistics"},
           "notifications": {"contact"}}


async def _ask_three_times(intake) -> list:
    await intake.post(dialogue_request())
    await intake.post(dialogue_request(notes="again"))
    await intake.post(dialogue_request(kind="custody_notification_registration",
                                       notify_on=["release"], requester__relationship="witness",
                                       requester__email="w@example.org",
                                       requester__phone="+16195550111", notes=...))
    return await intake.outbox(topic=None)


async def _who_opens(intake, sealed, about: str) -> set[str]:
    opened = set()
    for service in SERVICES:
        try:
            if service == "intake":
                await intake.open(sealed, about=about)
            else:
                await intake.opened_by(service, sealed, about=about)
        except CannotUnseal:
            continue
        opened.add(service)
    return opened


async def test_each_sealed_value_opens_only_for_the_services_that_use_it(intake):
    await _ask_three_times(intake)
    events = await intake.events()
    requester, registrant = [e for e in events if e["type"] == "vod.PersonRegistered.v1"]
    received = next(e for e in events if e["type"] == "vod.RequestReceived.v1")
    repeated = next(e for e in events if e["type"] == "vod.RequestRepeated.v1")
    case_id = received["data"]["case_id"]
    values = {
        "PersonRegistered.sealed (a requester)": (requester["data"]["sealed"],
                                                  requester["subject"]),
        "PersonRegistered.staff_view (a requester)": (requester["data"]["staff_view"],
                                                      requester["subject"]),
        "PersonRegistered.sealed (a registrant)": (registrant["data"]["sealed"],
                                                   registrant["subject"]),
        "RequestReceived.logistics": (received["data"]["logistics"], case_id),
        "RequestRepeated.details": (repeated["data"]["details"], case_id),
    }
    assert {what: await _who_opens(intake, sealed, about)
            for what, (sealed, about) in values.items()} == TABLE
    assert registrant["data"]["staff_view"] is None
    name = await intake.opened_by("screening", requester["data"]["staff_view"],
                                  about=requester["subject"])
    assert name == {"given_name": "Ana", "family_name": "López"}  # the name, nothing else
    # A value opens only as what it is about: her details are not taken for the case's.
    try:
        await intake.opened_by("notifications", requester["data"]["sealed"], about=case_id)
        raise AssertionError("opened about another subject")
    except CannotUnseal:
        pass


async def test_each_key_is_granted_once_to_each_reader_before_the_events_that_use_it(intake):
    rows = await _ask_three_times(intake)
    keys = intake.keys
    granted: dict[tuple[str, str], int] = {}  # (key id, reader) -> its place in the outbox
    subjects: dict[str, set[str]] = {}
    for row in rows:
        event = json.loads(row.value)
        if row.topic == "vod.keys":
            grant = event["data"]
            assert row.key == f"{grant['subject_id']}/{grant['reader']}"
            assert (grant["key_id"], grant["reader"]) not in granted  # one key per subject
            granted[grant["key_id"], grant["reader"]] = row.seq
            subjects.setdefault(grant["subject_id"], set()).add(grant["reader"])
            continue
        for value in event["data"].values():
            if isinstance(value, dict) and "key_id" in value:
                for reader in readers_of_keys():
                    assert granted[value["key_id"], reader] < row.seq, (event["type"], reader)
    # The requester, her case and the registrant: each given to every reader, once.
    assert len(subjects) == 3 and all(r == set(readers_of_keys()) for r in subjects.values())
    for grant in await intake.grants():
        # What intake wrapped for the reader, read without the reader's own filter.
        wrapped = Box(keys.private_key(grant.reader), keys.public_key("intake"))
        payload = json.loads(wrapped.decrypt(base64.b64decode(grant.wrapped)))
        assert set(payload["keys"]) == GRANTED[grant.reader], grant.reader
        assert open_grant(grant, keyring=keys.keyring(grant.reader))  # and it takes them
