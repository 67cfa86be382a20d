"""Notifications' facts about cases and people as the events make them, for a rebuild
(``python -m notifications.rebuild``): the cases and their state, registrations for custody
notices, the custody changes reported, people's sealed contacts and who was erased. Facts only:
no message is planned, cancelled or sent, and no staff alert is raised.

Events the service refused (details sealed by another key, say) never reached its inbox, so a
rebuild never applies them either; an event about a case whose request was not read yet waits
for it here, as it waited (parked) in the live service.
"""
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared import events as e
from vod_shared.rebuild import Fact, Live
from vod_shared.topics import Topics

from notifications.adapters.orm import (
    cases,
    contacts,
    custody_changes,
    erased_people,
    inbound_sms,
    registrations,
    sms_opt_outs,
    support_persons,
)
from notifications.adapters.support_persons import SupportPersons
from notifications.domain.support_persons import SupportPerson
from notifications.adapters.repository import Cases, CustodyLog, People, Registrations
from notifications.domain import registrations as registration_rules
from notifications.domain.model import Case, Registration

STEPS = {e.CasePaused: "paused", e.CaseResumed: "resumed", e.CaseWithdrawn: "withdrawn",
         e.CaseClosed: "closed"}


class NotificationFacts:
    tables = (cases, registrations, custody_changes, contacts, erased_people, support_persons)
    # An erasure forgets her opt-out and texts too; those are the service's own records,
    # never rebuilt: here they are empty copies the erasure may touch.
    scratch = (sms_opt_outs, inbound_sms)
    own_topics = ()
    kinds = frozenset((e.RequestReceived, e.EligibilityDetermined, *STEPS,
                       e.RegistrationReceived, e.RegistrationChanged, e.RegistrationCancelled,
                       e.CustodyStatusChanged, e.PersonRegistered, e.PersonUpdated,
                       e.PersonErased, e.SupportPersonAdded, e.SupportPersonRemoved))

    def __init__(self, topics: Topics) -> None:
        self.topics = (topics.intake, topics.screening, topics.scheduling, topics.custody,
                       topics.people)
        self._waiting: dict[str, list[Fact]] = defaultdict(list)  # case id -> its events

    async def apply(self, fact: Fact, session: AsyncSession, live: Live) -> None:
        data = fact.envelope.data
        if isinstance(data, e.RequestReceived):
            await self._request(data, session, live)
        elif isinstance(data, (e.EligibilityDetermined, *STEPS)):
            await self._about_case(fact, session)
        elif isinstance(data, e.RegistrationReceived):
            await _registration(data, session)
        elif isinstance(data, (e.RegistrationChanged, e.RegistrationCancelled)):
            await _registration_changed(data, session)
        elif isinstance(data, e.CustodyStatusChanged):
            await CustodyLog(session).add(fact.envelope.id, data.cdcr_number, fact.envelope.time,
                                          data.model_dump(mode="json"))
        elif isinstance(data, (e.PersonRegistered, e.PersonUpdated)):
            people = People(session)
            if not await people.is_erased(data.person_id):
                await people.save_contact(data.person_id, data.sealed, data.at)
        elif isinstance(data, e.PersonErased):
            await People(session).erase(data.person_id, fact.moment)
        elif isinstance(data, e.SupportPersonAdded):
            await SupportPersons(session).add(data.case_id, SupportPerson(
                data.support_person_id, data.preferred_language, data.preferred_channel),
                at=data.at)
        elif isinstance(data, e.SupportPersonRemoved):
            await SupportPersons(session).remove(data.case_id, data.support_person_id,
                                                 at=data.at)

    async def finish(self, session: AsyncSession, live: Live) -> None:
        """Events still waiting for their case stay parked in the live service."""

    async def _request(self, request: e.RequestReceived, session: AsyncSession,
                       live: Live) -> None:
        repository = Cases(session)
        if await repository.get(request.case_id) is None:
            await repository.add(Case(request.case_id, request.reference, request.requester_id,
                                      request.cdcr_number, request.preferred_language,
                                      request.preferred_channel))
        for waiting in self._waiting.pop(request.case_id, []):
            await self._about_case(waiting, session)

    async def _about_case(self, fact: Fact, session: AsyncSession) -> None:
        data, repository = fact.envelope.data, Cases(session)
        case = await repository.get(data.case_id)
        if case is None:
            self._waiting[data.case_id].append(fact)
            return
        if isinstance(data, e.EligibilityDetermined):
            ends = (data.ends_case if "ends_case" in type(data).model_fields
                    else data.outcome is e.EligibilityOutcome.INELIGIBLE)
            if not ends:
                return
            case.move_to("closed")
        elif case.ended:
            return
        else:
            case.move_to(STEPS[type(data)], getattr(data, "reason", None))
        await repository.save(case)


async def _registration(event: e.RegistrationReceived, session: AsyncSession) -> None:
    repository = Registrations(session)
    if await repository.get(event.registration_id) is None:
        await repository.add(Registration(
            event.registration_id, event.registrant_id, event.relationship,
            event.cdcr_number.upper(), frozenset(event.notify_on), event.preferred_language,
            event.preferred_channel, event.received_at))


async def _registration_changed(event, session: AsyncSession) -> None:
    repository = Registrations(session)
    known = await repository.get(event.registration_id)
    if known is None or known.registrant_id != event.registrant_id:
        return
    if isinstance(event, e.RegistrationCancelled):
        await repository.save(registration_rules.cancel(known, event.at))
    elif known.active:
        await repository.save(registration_rules.change_kinds(known, event.notify_on))
