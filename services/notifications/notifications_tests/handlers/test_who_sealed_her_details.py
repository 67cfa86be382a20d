"""Only intake's signature on a person's details counts: a PersonUpdated signed by anyone else
(keys of his own, even named intake's; another service's; notifications' own signing key,
though notifications holds her contact key and could seal under it), a real value intake
sealed about another person (his own details, replayed under her id), or one for another
purpose goes to the dead letters with the reason, and her stored contact stays as it was, so
her messages still go to her real contact."""
import pytest

from vod_devtools.testing import IntakeSealer
from vod_shared.consumer import Unprocessable
from vod_shared.envelope import new_envelope
from vod_shared.events import PersonUpdated, SealedDetails
from vod_shared.person_keys import CONTACT, NAME, SubjectKey, seal_under
from vod_shared.sealing import SERVICES, KeyDirectory, seal

from notifications.service_layer import handlers

from ..support import contact, eligibility, new_id, request, sealed_by_intake

HIS = {"email": "mallory@example.org", "phone": "+16195550666"}


def by_his_own_keys(harness, about: str) -> SealedDetails:
    """Keys of his own, named intake's: his signature is under a key intake never had."""
    his = KeyDirectory(harness.keys.path.parent / "his-keys")
    his.init()
    return IntakeSealer(his.path).seal(contact(**HIS), CONTACT, about=about)


def naming_intakes_signing_key(harness, about: str) -> SealedDetails:
    """His own value, claiming intake's real signing key (its id is public): the signature
    does not verify with it."""
    forged = by_his_own_keys(harness, about)
    real = sealed_by_intake(harness.intake, contact(), about=about)
    return forged.model_copy(update={"sender_key": real.sender_key, "key_id": real.key_id})


def by_another_service(harness, about: str) -> SealedDetails:
    return seal_under(contact(**HIS), SubjectKey.new(about), CONTACT,
                      keyring=harness.keys.keyring("screening"))


def by_notifications_itself(harness, about: str) -> SealedDetails:
    """Signed by notifications' own signing key, under her real key (notifications holds her
    contact key, so it could seal under it): only intake's signature counts."""
    return seal_under(contact(**HIS), harness.intake.key_for(about), CONTACT,
                      keyring=harness.keys.keyring("notifications"))


def by_notifications_naming_intake(harness, about: str) -> SealedDetails:
    return by_notifications_itself(harness, about).model_copy(update={"sealed_by": "intake"})


def by_intake_about_him(harness, about: str) -> SealedDetails:
    """Really sealed by intake, but about someone else: his own details, replayed as hers."""
    return sealed_by_intake(harness.intake, contact(**HIS), about=new_id())


def by_intake_for_another_purpose(harness, about: str) -> SealedDetails:
    """Really intake's, about her, but for the staff who see her name (not for this service)."""
    return sealed_by_intake(harness.intake, {"given_name": "Ana"}, NAME, about=about)


def the_old_way(harness, about: str) -> SealedDetails:
    """A key of its own wrapped in the value (before per-person keys): not under her key."""
    return seal(contact(**HIS), harness.keys.public_keys(SERVICES), sender="intake",
                sender_key=harness.keys.private_key("intake"), about=about)


FORGERIES = {
    "his own key, naming intake": (by_his_own_keys, "not_authentic: no signing key"),
    "his own key, naming intake's key": (naming_intakes_signing_key,
                                         "not_authentic: not signed by intake"),
    "another service's key": (by_another_service, "sealed by 'screening', not intake"),
    "notifications' own key": (by_notifications_itself, "sealed by 'notifications', not intake"),
    "notifications' own key, naming intake": (by_notifications_naming_intake,
                                              "not_authentic: no signing key"),
    "sealed the old way": (the_old_way, "sealer_unknown"),
    "intake's, about another person": (by_intake_about_him,
                                       "not_authentic: not signed by intake about this subject"),
    "intake's, for another purpose": (by_intake_for_another_purpose,
                                      "not_sealed_for_us: sealed for name"),
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
    await harness.deliver(PersonUpdated(person_id=person, sealed=make(harness, person),
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
                                        sealed=by_notifications_itself(harness, person),
                                        at=clock()), source="/services/intake", subject=person)
    async with harness.uow() as uow:
        with pytest.raises(Unprocessable, match="sealer_not_allowed"):
            await handlers.person_known(forged, uow, clock=clock, keys=harness.contact_keys)
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
    async with harness.uow() as uow:  # the handler itself refuses it, before storing anything
        with pytest.raises(Unprocessable, match="not_authentic"):
            await handlers.person_known(replayed, uow, clock=clock, keys=harness.contact_keys)
    await harness.redeliver(replayed, dead_letter_expected=True)
    [(reason, _)] = harness.dead
    assert reason == ("unprocessable: person details refused: not_authentic: not signed by "
                      "intake about this subject (forged, altered or replayed)")
    assert her not in reason and him not in reason
    harness.dead.clear()
    assert await _stored(harness, her) == hers_before
    assert await _stored(harness, him) == his  # his own stay his

    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert [mail["to"] for mail in harness.email.sent] == ["ana@example.org"] * 2
    assert harness.sms.sent == []
