"""Every event in the contract has a model, and none can carry a person's details."""
import re
import typing

from pydantic import BaseModel

from vod_shared.events import registered_types

CONTRACT_EVENTS = {
    "RequestReceived", "RegistrationReceived", "CasePaused", "CaseResumed", "CaseWithdrawn",
    "PersonRegistered", "PersonUpdated", "PersonErased", "CustodyStatusChanged",
    "EligibilityDetermined", "ScreeningCompleted", "ClearanceGranted", "ClearanceDenied",
    "FacilitatorAssigned", "MeetingScheduled", "PartyReady", "SessionScheduled",
    "SessionCompleted", "CaseClosed", "NotificationSent", "NotificationFailed",
    "MeetingCancelled", "SessionCancelled", "ClearanceRequested", "SurveyDue",
    "ClearanceVoided", "RequestRepeated", "RegistrationChanged", "RegistrationCancelled",
    "PossibleDuplicateFound", "DuplicateResolved",
}
# Beyond the contract (the project's README lists them): the data keys on ``vod.keys``, and the
# indirect path's letter and linked family cases on ``vod.scheduling``, the support persons on
# ``vod.intake``.
PROJECT_EVENTS = {"SubjectKeyGranted", "LetterReceived", "LetterReviewed", "LetterKept",
                  "LetterDelivered", "SupportPersonAdded", "SupportPersonRemoved",
                  "CasesLinked", "CaseUnlinked", "AuditRecorded"}
PERSONAL = re.compile(r"name|email|phone|address|street|city|zip|postal|state$|note|dob|birth")


def _field_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(prefix + name)
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names += _field_names(arg, prefix + name + ".")
    return names


def test_every_contract_event_has_a_versioned_type():
    types = registered_types()
    assert {t.split(".")[1] for t in types} == CONTRACT_EVENTS | PROJECT_EVENTS
    assert all(re.fullmatch(r"vod\.[A-Z][A-Za-z]+\.v\d+", t) for t in types)


def test_no_event_field_can_hold_a_name_contact_or_whereabouts():
    offending = [f"{t}: {name}" for t, model in registered_types().items()
                 for name in _field_names(model) if PERSONAL.search(name.split(".")[-1])]
    assert offending == []
