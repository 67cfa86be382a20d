"""Who can open what intake seals (DESIGN, "Who owns what"): contact details and whereabouts only
where they are used; staff-side services get a requester's name alone, in a value of its own."""
import json

from vod_shared.events import SealedDetails

from ..conftest import dialogue_request

TABLE = {
    "PersonRegistered.sealed (a requester)": {"intake", "notifications"},
    "PersonRegistered.staff_view (a requester)": {"intake", "screening", "scheduling"},
    "PersonRegistered.sealed (a registrant)": {"intake", "notifications"},
    "RequestReceived.logistics": {"screening", "scheduling"},
    "RequestRepeated.details": {"intake", "screening", "scheduling"},
}


async def test_each_sealed_value_opens_only_for_the_services_that_use_it(intake):
    await intake.post(dialogue_request())
    await intake.post(dialogue_request(notes="again"))
    await intake.post(dialogue_request(kind="custody_notification_registration",
                                       notify_on=["release"], requester__relationship="witness",
                                       requester__email="w@example.org",
                                       requester__phone="+16195550111", notes=...))
    events = [json.loads(r.value) for r in await intake.outbox(topic=None)]
    people = [e for e in events if e["type"] == "vod.PersonRegistered.v1"]
    requester, registrant = people
    received = next(e for e in events if e["type"] == "vod.RequestReceived.v1")
    repeated = next(e for e in events if e["type"] == "vod.RequestRepeated.v1")
    readers = {
        "PersonRegistered.sealed (a requester)": requester["data"]["sealed"],
        "PersonRegistered.staff_view (a requester)": requester["data"]["staff_view"],
        "PersonRegistered.sealed (a registrant)": registrant["data"]["sealed"],
        "RequestReceived.logistics": received["data"]["logistics"],
        "RequestRepeated.details": repeated["data"]["details"],
    }
    assert {what: set(value["wrapped_keys"]) for what, value in readers.items()} == TABLE
    assert registrant["data"]["staff_view"] is None
    vault = intake.app.state.intake.context.vault
    name = vault.open(SealedDetails.model_validate(requester["data"]["staff_view"]),
                      about=requester["data"]["person_id"])
    assert name == {"given_name": "Ana", "family_name": "López"}  # the name, nothing else
