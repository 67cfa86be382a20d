from collections.abc import Callable

from vod_shared.envelope import Envelope
from vod_shared.events import CustodyStatusChanged, RequestReceived
from vod_shared.unit_of_work import HOLDS_WRITE_LOCK, SqlUnitOfWork

from notifications.adapters.deliveries import Deliveries
from notifications.adapters.repository import (
    Cases,
    CustodyLog,
    InboundTexts,
    ObservedEvents,
    ParkedEvents,
    People,
    Registrations,
    Settlements,
)
from notifications.adapters.support_persons import SupportPersons


class UnitOfWork(SqlUnitOfWork):
    """Notifications' repositories on one transaction, with the outbox and the inbox.

    ``after_commit`` (set by bootstrap) wakes the sender once new deliveries are committed."""

    after_commit: Callable[[], None] | None = None
    # False on the sender's own claims and records: its lanes carry on, a lane's end wakes it
    wakes_sender: bool = True

    observed: ObservedEvents
    people: People
    cases: Cases
    registrations: Registrations
    custody: CustodyLog
    deliveries: Deliveries
    inbound: InboundTexts
    parked: ParkedEvents
    settlements: Settlements
    supporters: SupportPersons

    def on_enter(self) -> None:
        self.observed = ObservedEvents(self.session)
        self.people = People(self.session)
        self.cases = Cases(self.session)
        self.registrations = Registrations(self.session)
        self.custody = CustodyLog(self.session)
        self.deliveries = Deliveries(self.session)
        self.inbound = InboundTexts(self.session)
        self.parked = ParkedEvents(self.session)
        self.settlements = Settlements(self.session)
        self.supporters = SupportPersons(self.session)

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """A batch's custody changes and news about cases: who follows each offender, the
        cases, which of them have events parked, and which of these people were erased, read
        in one statement each rather than per event; the rows the batch adds (observed events,
        custody log, cases, deliveries) written one statement per table. On SQLite
        only, where this transaction holds the store's write lock already (nothing read ahead
        can change under it but by its own writes, which drop what was read ahead)."""
        if self.session.bind.dialect.name != "sqlite" or \
                not self.session.info.get(HOLDS_WRITE_LOCK) or len(envelopes) < 2:
            return
        self.defer_inserts()
        offenders = {envelope.data.cdcr_number for envelope in envelopes
                     if isinstance(envelope.data, CustodyStatusChanged)}
        people = set()
        if offenders:
            people.update(r.registrant_id for r in
                          await self.registrations.load_following(offenders))
        case_ids = {case_id for envelope in envelopes
                    if (case_id := getattr(envelope.data, "case_id", None))}
        if case_ids:
            people.update(await self.cases.load(case_ids))
            people.update(envelope.data.requester_id for envelope in envelopes
                          if isinstance(envelope.data, RequestReceived))
            await self.parked.load(case_ids)
        await self.people.load_erased(people)

    async def commit(self) -> None:
        await super().commit()
        if self.wakes_sender and type(self).after_commit is not None:
            type(self).after_commit()

    @classmethod
    def waking(cls, wake: Callable[[], None]) -> type["UnitOfWork"]:
        """A unit-of-work class whose commits wake ``wake`` (the sender)."""
        return type(cls.__name__, (cls,), {"after_commit": staticmethod(wake)})
