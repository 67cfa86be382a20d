"""Who hears what, as the program states it (pure rules, no store, no clock read)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from vod_shared.events import (
    ActedBy,
    Channel,
    CustodyChange,
    CustodyNoticeKind as Kind,
    EligibilityOutcome,
    Language,
    Relationship,
)

from notifications.domain import rules
from notifications.domain.delivery import Delivery, Status
from notifications.domain.model import Case, CaseState, Registration

from ..support import custody

NOW = datetime(2026, 11, 19, 18, 0, tzinfo=timezone.utc)


def _registration(*kinds, relationship=Relationship.VICTIM, registrant="p1", channel=Channel.SMS,
                  received=NOW, registration_id="reg-1"):
    return Registration(registration_id, registrant, relationship, "AB1234", frozenset(kinds),
                        Language.ES, channel, received)


def _case(state=CaseState.OPEN):
    return Case("case-1", "VOD-2026-000123", "p1", "AB1234", Language.ES, Channel.EMAIL, state)


def test_a_request_is_acknowledged_to_the_requester_in_their_language_and_channel():
    notice = rules.acknowledge_request(_case())
    assert (notice.recipient_id, notice.template, notice.channels, notice.language,
            notice.reference, notice.subject) == (
        "p1", "request_acknowledged", (Channel.EMAIL,), Language.ES, "VOD-2026-000123", "case-1")


def _acknowledgement(status=Status.SENT, *, went=NOW, template="request_repeated"):
    done = status in (Status.SENT, Status.UNKNOWN)
    return Delivery(id="d-1", seq=1, cause_event_id="e-1", recipient_id="p1", channel="email",
                    template=template, subject="case-1", reference="VOD-2026-000123",
                    language="es", params={}, urgent=False, status=status, due_at=went,
                    created_at=went, finished_at=went if done else None)


def test_a_repeated_request_gets_its_own_message_not_the_first_acknowledgement():
    notice = rules.acknowledge_again(_case(), None, now=NOW)
    assert (notice.recipient_id, notice.template, notice.channels, notice.language,
            notice.reference, notice.subject) == (
        "p1", "request_repeated", (Channel.EMAIL,), Language.ES, "VOD-2026-000123", "case-1")


@pytest.mark.parametrize("template", ["request_acknowledged", "request_repeated"])
@pytest.mark.parametrize(("since", "answered"), [
    (timedelta(minutes=10), False), (timedelta(hours=12), False),
    (timedelta(hours=23, minutes=59), False), (timedelta(hours=24), True),
    (timedelta(days=30), True)])
def test_a_repeated_request_is_answered_at_most_once_a_day(template, since, answered):
    """Counting the first acknowledgement: the public page can be sent in anyone's name."""
    for status in (Status.SENT, Status.UNKNOWN):
        last = _acknowledgement(status, went=NOW - since, template=template)
        assert (rules.acknowledge_again(_case(), last, now=NOW) is not None) is answered
    assert rules.ACKNOWLEDGE_AGAIN_AFTER == timedelta(hours=24)
    assert set(rules.ACKNOWLEDGEMENTS) == {"request_acknowledged", "request_repeated"}


@pytest.mark.parametrize("status", [Status.PENDING, Status.PAUSED, Status.SENDING])
def test_no_answer_to_a_repeat_while_the_last_is_still_on_its_way(status):
    last = _acknowledgement(status, went=NOW - timedelta(days=90))
    assert rules.acknowledge_again(_case(), last, now=NOW) is None


@pytest.mark.parametrize("state", [CaseState.WITHDRAWN, CaseState.CLOSED])
def test_no_answer_to_a_repeat_about_an_ended_case(state):
    assert rules.acknowledge_again(_case(state), None, now=NOW) is None


def test_a_registration_is_acknowledged_with_the_kinds_chosen_in_the_forms_order():
    notice = rules.acknowledge_registration(_registration(
        Kind.TRANSFER, Kind.RELEASE, registration_id="3f2b9c1e-7a4d-4e0b-9a55-0c1d2e3f4a5b"))
    assert notice.template == "registration_acknowledged"
    assert dict(notice.params) == {"kinds": "release,transfer"}
    assert notice.reference == "REG-3F2B9C1E"


@pytest.mark.parametrize("outcome", list(EligibilityOutcome))
def test_each_eligibility_outcome_has_its_own_message(outcome):
    assert rules.tell_eligibility(_case(), outcome).template == f"eligibility_{outcome.value}"


def test_nothing_more_is_said_about_a_withdrawn_case():
    assert rules.tell_eligibility(_case(CaseState.WITHDRAWN), EligibilityOutcome.ELIGIBLE) is None


@pytest.mark.parametrize("by, template", [
    (ActedBy.VICTIM, "case_paused"), (ActedBy.STAFF_FOR_VICTIM, "case_paused"),
    (ActedBy.FACILITATOR, "case_on_hold"), (ActedBy.OFFENDER, "case_on_hold"),
    (ActedBy.DIRECTOR, "case_on_hold")])
def test_a_pause_the_victim_did_not_ask_for_is_told_as_on_hold(by, template):
    assert rules.confirm_case_step(_case(), "paused", by).template == template


def test_withdraw_and_resume_are_confirmed():
    assert rules.confirm_case_step(_case(), "withdrawn", ActedBy.VICTIM).template == "case_withdrawn"
    assert rules.confirm_case_step(_case(), "resumed", ActedBy.VICTIM).template == "case_resumed"


def test_a_registrant_hears_only_of_the_kinds_they_chose():
    registration = _registration(Kind.RELEASE, Kind.TRANSFER)
    heard = {c for c in CustodyChange if rules.hears_of(c, registration)}
    assert heard == {CustodyChange.RELEASE, CustodyChange.TRANSFER}


def test_a_witness_is_never_told_of_a_parole_hearing_even_if_asked():
    witness = _registration(Kind.PAROLE_HEARING, Kind.RELEASE, relationship=Relationship.WITNESS)
    assert not rules.hears_of(CustodyChange.PAROLE_HEARING, witness)
    assert rules.hears_of(CustodyChange.RELEASE, witness)
    family = _registration(Kind.PAROLE_HEARING, relationship=Relationship.SURVIVING_FAMILY_MEMBER)
    assert rules.hears_of(CustodyChange.PAROLE_HEARING, family)


def test_whoever_chose_escape_also_hears_of_the_return():
    assert rules.hears_of(CustodyChange.RETURN, _registration(Kind.ESCAPE))
    assert not rules.hears_of(CustodyChange.RETURN, _registration(Kind.RELEASE))


def test_admissions_and_name_changes_concern_nobody():
    everything = _registration(*Kind)
    assert not rules.hears_of(CustodyChange.ADMISSION, everything)
    assert not rules.hears_of(CustodyChange.NAME_CHANGE, everything)


def test_an_escape_is_urgent_and_goes_on_every_channel():
    [notice] = rules.custody_notices(custody("escape", at=NOW), [_registration(Kind.ESCAPE)],
                                     now=NOW)
    assert notice.urgent and set(notice.channels) == {Channel.EMAIL, Channel.SMS}
    assert notice.template == "custody_escape"


def test_a_transfer_names_the_new_facility_and_is_not_urgent():
    [notice] = rules.custody_notices(custody("transfer", at=NOW, facility="CMF"),
                                     [_registration(Kind.TRANSFER)], now=NOW)
    assert dict(notice.params)["facility_code"] == "CMF"
    assert not notice.urgent and notice.channels == (Channel.SMS,)


def test_a_parole_hearing_is_told_now_and_reminded_ahead_of_the_date():
    change = custody("parole_hearing", at=NOW, hearing_date=date(2027, 3, 1))
    notice, reminder = rules.custody_notices(change, [_registration(Kind.PAROLE_HEARING)], now=NOW)
    assert notice.not_before is None and dict(notice.params)["reminder"] == "yes"
    assert reminder.template == "custody_parole_hearing_reminder"
    assert reminder.not_before.date() == date(2027, 2, 15)
    assert reminder.not_before > NOW


def test_a_hearing_too_near_for_a_reminder_gets_only_the_notice():
    change = custody("parole_hearing", at=NOW, hearing_date=date(2026, 11, 25))
    [notice] = rules.custody_notices(change, [_registration(Kind.PAROLE_HEARING)], now=NOW)
    assert "reminder" not in dict(notice.params)


def test_someone_registered_twice_is_told_once_by_their_latest_registration():
    early = _registration(Kind.RELEASE, registration_id="reg-old",
                          received=datetime(2025, 1, 1, tzinfo=timezone.utc))
    late = _registration(Kind.RELEASE, Kind.TRANSFER, registration_id="reg-new")
    notices = rules.custody_notices(custody("release", at=NOW), [late, early], now=NOW)
    assert [n.subject for n in notices] == ["reg-new"]


def test_a_rosters_first_load_is_not_news():
    change = custody("release", at=NOW)
    change = change.model_copy(update={"initial_load": True}) if "initial_load" in type(
        change).model_fields else None
    if change is None:
        pytest.skip("CustodyStatusChanged has no initial_load field in this checkout")
    assert rules.custody_notices(change, [_registration(Kind.RELEASE)], now=NOW) == []
