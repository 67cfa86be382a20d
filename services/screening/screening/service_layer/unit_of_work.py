"""Screening's unit of work: the cases, the registry, the clearances, possible duplicates, the
read model, the audit log and every service's audit entries, in one transaction with the outbox
and the inbox."""
from vod_shared.envelope import Envelope
from vod_shared.events import EventData, RequestReceived
from vod_shared.unit_of_work import HOLDS_WRITE_LOCK, SqlUnitOfWork

from screening.adapters.audit import AuditLog
from screening.adapters.audit_everywhere import AuditEverywhere
from screening.adapters.clearances import ClearanceRepository
from screening.adapters.duplicates import PossibleDuplicates
from screening.adapters.read_model import People, Timeline, TimelineEntry, Visitors
from screening.adapters.registry import CustodyRegistry
from screening.adapters.repository import CaseQueries, CaseRepository, WebhookReceipts
from screening.domain.timeline import code, describe


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    custody: CustodyRegistry
    receipts: WebhookReceipts
    clearances: ClearanceRepository
    duplicates: PossibleDuplicates
    timeline: Timeline
    visitors: Visitors
    people: People
    audit: AuditLog
    audit_everywhere: AuditEverywhere
    queries: CaseQueries

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
        self.custody = CustodyRegistry(self.session)
        self.receipts = WebhookReceipts(self.session)
        self.clearances = ClearanceRepository(self.session)
        self.duplicates = PossibleDuplicates(self.session)
        self.timeline = Timeline(self.session)
        self.visitors = Visitors(self.session)
        self.people = People(self.session)
        self.audit = AuditLog(self.session)
        self.audit_everywhere = AuditEverywhere(self.session)
        self.queries = CaseQueries(self.session)

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """New requests in a batch: their cases, custody records and possible duplicates read
        in three statements rather than three per request, and what they add written together.
        On SQLite only, where this transaction holds the store's write lock already (nothing
        read ahead can change under it but by its own writes, which the repositories see);
        PostgreSQL reads each after its own locks."""
        sqlite = self.session.bind.dialect.name == "sqlite"
        if not sqlite or not self.session.info.get(HOLDS_WRITE_LOCK):
            return
        requests = [envelope.data for envelope in envelopes
                    if isinstance(envelope.data, RequestReceived)]
        if len(requests) > 1:
            self.defer_inserts()  # cases, first visitors, timeline lines: one statement each
            case_ids = [request.case_id for request in requests]
            await self.cases.load(case_ids)
            await self.custody.load(request.cdcr_number for request in requests)
            await self.duplicates.load(case_ids)

    async def emit(self, data: EventData, *, topic: str, subject: str,
                   event_id: str | None = None) -> Envelope:
        """Screening's own events about a case go on the case's timeline as they are emitted
        (screening does not read its own topic back)."""
        envelope = await super().emit(data, topic=topic, subject=subject, event_id=event_id)
        case_id = getattr(data, "case_id", None)
        if case_id:
            await self.add_to_timeline(case_id, envelope)
        return envelope

    async def add_to_timeline(self, case_id: str, envelope: Envelope) -> None:
        summary = describe(envelope.data)
        if summary:
            await self.timeline.add(TimelineEntry(case_id, envelope.id, envelope.type,
                                                  envelope.source, envelope.time, summary,
                                                  code(envelope.data)))
