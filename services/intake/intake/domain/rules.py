"""Who may ask for what, as the program states it.

"Only victims or surviving family members may request a vod." "The victim of crime, family
member of a victim, or a witness who testified against the offender may request to be notified
of a change to the custody status of the offender", parole hearings excepted for witnesses.
"""
from vod_shared.events import Channel, CustodyNoticeKind, Relationship
from vod_shared.person_keys import CASE_NOTES, CONTACT, INTAKE_ONLY, LOGISTICS, NAME

from intake.domain.errors import InvalidRequest

MAY_REQUEST_DIALOGUE = frozenset({Relationship.VICTIM, Relationship.SURVIVING_FAMILY_MEMBER})
MAY_REGISTER = frozenset({Relationship.VICTIM, Relationship.SURVIVING_FAMILY_MEMBER,
                          Relationship.WITNESS})


def check_may_request_dialogue(relationship: Relationship) -> None:
    if relationship in MAY_REQUEST_DIALOGUE:
        return
    detail = "Only a victim or a surviving family member of a victim may request a dialogue."
    code = "only_victims_request"
    if relationship is Relationship.WITNESS:
        detail += (" A witness who testified may instead register to be told of changes"
                   " to the offender's custody.")
        code = "witness_may_register"
    raise InvalidRequest(detail, field="requester.relationship", code=code)


def check_may_register(relationship: Relationship, notify_on: frozenset[CustodyNoticeKind]) -> None:
    if relationship not in MAY_REGISTER:
        raise InvalidRequest("Only a victim, a family member of a victim, or a witness who"
                             " testified may register for custody notifications.",
                             field="requester.relationship", code="who_may_register")
    if relationship is Relationship.WITNESS and CustodyNoticeKind.PAROLE_HEARING in notify_on:
        raise InvalidRequest("Parole hearing notices go to victims and their families only.",
                             field="notify_on", code="no_parole_hearings_for_witnesses")
    if not notify_on:
        raise InvalidRequest("Choose at least one kind of custody change to be told of.",
                             field="notify_on", code="choose_a_notice")


def check_contact_for_channel(channel: Channel, *, email: str | None, phone: str | None) -> None:
    if channel is Channel.EMAIL and not email:
        raise InvalidRequest("Email was chosen as the way to be reached, but no email was given.",
                             field="requester.email", code="email_needed")
    if channel is Channel.SMS and not phone:
        raise InvalidRequest("Text messages were chosen as the way to be reached, but no phone"
                             " number was given.", field="requester.phone", code="phone_needed")


def offer_travel_accommodation(state: str | None) -> bool:
    """"Victims do not need to reside in CA, travel accommodations for the dialogue can be
    provided to those residing out of state." Unknown: staff ask; no offer is assumed."""
    return state is not None and state != "CA"


# What each sealed value is (a purpose of vod_shared.person_keys, whose PURPOSES names the
# services given its key; never the offender side). Contact details and whereabouts only where
# they are used: intake keeps them, notifications reaches the person. Screening and scheduling
# staff are shown a requester's name only, in a value of its own; notes and the travel need go
# where staff use them. ``intake_tests/unit/test_who_reads_what.py`` holds this table.
PERSON_DETAILS = CONTACT  # a requester's or registrant's names, contacts and preferences
DISPLAY_NAME = NAME  # a dialogue requester's name alone, for staff pages
CASE_DETAILS = CASE_NOTES  # what the requester wrote: offender's names as given, notes
# Whether to offer travel: it says where the victim lives (outside California or not).
TRAVEL = LOGISTICS
# Intake's own copies: a contact not yet proven, a change on her page waiting for its code,
# what staff wrote when acting for her.
OWN_COPY = INTAKE_ONLY
