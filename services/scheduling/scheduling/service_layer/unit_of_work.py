"""Scheduling's unit of work: the shared one (outbox, inbox) plus its repositories, and one way
to save a case together with the events it caused and the history they make."""
from vod_shared.envelope import Envelope
from vod_shared.staff import StaffMember
from vod_shared.unit_of_work import HOLDS_WRITE_LOCK, SqlUnitOfWork

from scheduling.adapters.calendar import Alerts, Calendar, History, StaffNotes
from scheduling.adapters.directory import FacilitatorRepository, FacilityRepository
from scheduling.adapters.groups import DialogueGroups
from scheduling.adapters.letters import Letters
from scheduling.adapters.repository import CaseRepository
from scheduling.domain.model import Case


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    facilitators: FacilitatorRepository
    facilities: FacilityRepository
    calendar: Calendar
    alerts: Alerts
    history: History
    notes: StaffNotes
    letters: Letters
    groups: DialogueGroups
    # Who acts in this transaction (None: another service's news), and the cases changed for
    # them besides the one acted on (a joint dialogue's other participants), each audited.
    acting: StaffMember | None
    also_changed: list[str]

    def on_enter(self) -> None:
        self.acting, self.also_changed = None, []
        self.cases = CaseRepository(self.session)
        self.facilitators = FacilitatorRepository(self.session)
        self.facilities = FacilityRepository(self.session)
        self.calendar = Calendar(self.session)
        self.alerts = Alerts(self.session)
        self.history = History(self.session)
        self.notes = StaffNotes(self.session)
        self.letters = Letters(self.session)
        self.groups = DialogueGroups(self.session)

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """A batch's cases (those its events name), read with their children in one statement
        per table rather than six per event; the cases and history lines it adds written one
        statement per table. On SQLite only, where this transaction holds the store's write
        lock already (nothing read ahead can change under it but by its own writes, which drop
        what was read ahead of the case written)."""
        if self.session.bind.dialect.name != "sqlite" or \
                not self.session.info.get(HOLDS_WRITE_LOCK) or len(envelopes) < 2:
            return
        self.defer_inserts()
        await self.cases.load(case_id for envelope in envelopes
                              if (case_id := getattr(envelope.data, "case_id", None)))

    async def save_case(self, case: Case, *, topic: str, new: bool = False) -> None:
        """Writes the case, its alerts, and each event it recorded to the outbox and history."""
        await (self.cases.add(case) if new else self.cases.save(case))
        for event in case.events:
            envelope = await self.emit(event, topic=topic, subject=case.case_id)
            # The case's own time (the clock handlers were given), not the wall clock.
            await self.history.add(case.case_id, event, case.updated_at or envelope.time)
        case.events.clear()

    async def record(self, events: list, *, case_id: str, topic: str, at) -> None:
        """Events about a case recorded by something other than the case (a letter): to the
        outbox and the case's history, in this transaction."""
        for event in events:
            await self.emit(event, topic=topic, subject=case_id)
            await self.history.add(case_id, event, at)
        events.clear()
