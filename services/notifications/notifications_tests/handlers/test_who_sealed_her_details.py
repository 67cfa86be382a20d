"""Only intake's sealing of a person's details counts: a PersonUpdated sealed to this
service's real public key by anyone else (a key pair of his own, even naming intake as its
sealer, or another service's key), or a real value intake sealed about another person (his
own details, replayed under her id), goes to the dead letters with the reason, and her stored
contact stays as it was, so her messages still go to her."""
import base64
import json

import pytest
from nacl.public import PrivateKey, SealedBox
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.consumer import Unprocessable
from vod_shared.envelope import new_envelope
from vod_shared.events import PersonUpdated, SealedDetails
from vod_shared.sealing import SERVICES, seal

from notifications.adapters.contacts import ContactKeys
from notifications.service_layer import handlers

from ..support import contact, eligibility, new_id, request, sealed_by_intake

HIS = {"email": "mallory@example.org", "phone": "+16195550666"}


def by_his_own_key(keys, about: str, sender: str = "intake") -> SealedDetails:
    return seal(contact(**HIS), keys.public_keys(SERVICES), sender=sender,
                sender_key=PrivateKey.generate(), about=about)


def by_another_service(keys, about: str) -> SealedDetails:
    return seal(contact(**HIS), keys.public_keys(SERVICES), sender="screening",
                sender_key=keys.private_key("screening"), about=about)


def by_notifications_itself(keys, about: str) -> SealedDetails:
    """What notifications seals for itself (a reply's text) is its own, never a person's."""
    return seal(contact(**HIS), keys.public_keys(("notifications",)), sender="notifications",
                sender_key=keys.private_key("notifications"), about=about)


def by_intake_about_him(keys, about: str) -> SealedDetails:
    """Really sealed by intake, but about someone else: his own details, replayed as hers."""
    return sealed_by_intake(keys, contact(**HIS), about=new_id())


def the_old_way(keys, about: str) -> SealedDetails:
    """Anonymous SealedBox, no ``sealed_by``: anyone could have made it."""
    data_key = random(SecretBox.KEY_SIZE)
    ciphertext = SecretBox(data_key).encrypt(json.dumps(contact(**HIS)).encode())
    wrapped = SealedBox(keys.public_key("notifications")).encrypt(data_key)
    return SealedDetails(wrapped_keys={"notifications": base64.b64encode(wrapped).decode()},
                         ciphertext=base64.b64encode(bytes(ciphertext)).decode())


FORGERIES = {
    "his own key, naming intake": (by_his_own_key, "not_authentic"),
    "another service's key": (by_another_service, "sealed by 'screening', not intake"),
    "notifications' own key": (by_notifications_itself, "sealed by 'notifications', not intake"),
    "sealed the old way": (the_old_way, "sealer_unknown"),
    "intake's, about another person": (by_intake_about_him,
                                       "another_subject: sealed about another subject"),
}


async def _stored(harness, person) -> SealedDetails | None:
    async with harness.uow() as uow:
        return await uow.people.contact(person)


@pytest.mark.parametrize("forge", FORGERIES, ids=list(FORGERIES))
async def test_a_forged_update_is_dead_lettered_and_her_contact_stays(harness, clock, forge):
    make, why = FORGERIES[forge]
    person, case = new_id(), new_id()
    await harness.person(person)
    before = await _stored(harness, person)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()

    clock.move(minutes=1)  # newer than what she gave: it would replace it if it were taken
    await harness.deliver(PersonUpdated(person_id=person, sealed=make(harness.keys, person),
                                        at=clock()), subject=person, dead_letter_expected=True)
    [(reason, value)] = harness.dead
    assert reason.startswith("unprocessable: person details refused") and why in reason
    assert b"PersonUpdated" in value  # the record itself is parked, as it came
    harness.dead.clear()
    assert await _stored(harness, person) == before

    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert [mail["to"] for mail in harness.email.sent] == ["ana@example.org"] * 2
    assert harness.sms.sent == []


async def test_the_handler_refuses_a_forged_update_before_storing_anything(harness, clock):
    person = new_id()
    await harness.person(person)
    before = await _stored(harness, person)
    forged = new_envelope(PersonUpdated(person_id=person,
                                        sealed=by_his_own_key(harness.keys, person),
                                        at=clock()), source="/services/intake", subject=person)
    keys = ContactKeys(harness.keys.path)
    async with harness.uow() as uow:
        with pytest.raises(Unprocessable, match="sealed by intake|not_authentic"):
            await handlers.person_known(forged, uow, clock=clock, keys=keys)
    assert await _stored(harness, person) == before


async def test_an_update_intake_sealed_is_taken(harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person)
    clock.move(minutes=1)
    await harness.update_person(person, email="ana.new@example.org")
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()
    assert [mail["to"] for mail in harness.email.sent] == ["ana.new@example.org"]


async def test_his_own_real_details_published_as_hers_are_dead_lettered(harness, clock):
    """He signed up himself: intake sealed his details, really, and they travelled on
    vod.people in his PersonRegistered. Republished as a PersonUpdated for her id they are
    still about him: refused, and her messages still go to her."""
    her, him, case = new_id(), new_id(), new_id()
    await harness.person(her)
    await harness.person(him, **HIS)
    hers_before, his = await _stored(harness, her), await _stored(harness, him)
    await harness.deliver(request(case, her, at=clock()), subject=case)
    await harness.send_due()

    clock.move(minutes=1)
    replayed = new_envelope(PersonUpdated(person_id=her, sealed=his, at=clock()),
                            source="/services/intake", subject=her)
    keys = ContactKeys(harness.keys.path)
    async with harness.uow() as uow:  # the handler itself refuses it, before storing anything
        with pytest.raises(Unprocessable, match="another_subject"):
            await handlers.person_known(replayed, uow, clock=clock, keys=keys)
    await harness.redeliver(replayed, dead_letter_expected=True)
    [(reason, _)] = harness.dead
    assert reason == ("unprocessable: person details refused: another_subject: "
                      "sealed about another subject")
    assert her not in reason and him not in reason
    harness.dead.clear()
    assert await _stored(harness, her) == hers_before
    assert await _stored(harness, him) == his  # his own stay his

    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert [mail["to"] for mail in harness.email.sent] == ["ana@example.org"] * 2
    assert harness.sms.sent == []
