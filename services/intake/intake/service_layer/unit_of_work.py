from dataclasses import replace

from vod_shared.envelope import Envelope
from vod_shared.unit_of_work import HOLDS_WRITE_LOCK, SqlUnitOfWork

from intake.adapters.repository import (
    CaseRepository,
    ErasureLog,
    PeopleRepository,
    RegistrationRepository,
    SubjectKeyRepository,
    WebhookReceipts,
)
from intake.adapters.staff_reads import AuditEntry, StaffReads
from intake.adapters.support_persons import SupportPersonRepository


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    registrations: RegistrationRepository
    people: PeopleRepository
    receipts: WebhookReceipts
    keys: SubjectKeyRepository
    erasures: ErasureLog
    supporters: SupportPersonRepository

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
        self.registrations = RegistrationRepository(self.session)
        self.people = PeopleRepository(self.session)
        self.receipts = WebhookReceipts(self.session)
        self.keys = SubjectKeyRepository(self.session)
        self.erasures = ErasureLog(self.session)
        self.supporters = SupportPersonRepository(self.session)
        self._decision: AuditEntry | None = None
        self._about_case: str | None = None

    def audit_decision(self, entry: AuditEntry) -> None:
        """A staff decision's audit entry, written in the decision's own transaction (at its
        next commit): no decision without its entry, and no entry for one rolled back."""
        self._decision = entry

    def about_case(self, case_id: str) -> None:
        """The case a decision turned out to be about (a request taken: opened or joined)."""
        self._about_case = case_id

    @property
    def decision_unrecorded(self) -> bool:
        return self._decision is not None

    async def commit(self) -> None:
        if self._decision is not None:
            entry, self._decision = self._decision, None
            if entry.case_id is None and self._about_case:
                entry = replace(entry, case_id=self._about_case)
            await StaffReads(self.session).audit(entry)
        await self.keys.flush()
        await super().commit()

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """A consumer's batch (what notifications sent, above all): the rows it adds written
        one statement per table. On SQLite, where this transaction holds the write lock."""
        if self.session.bind.dialect.name == "sqlite" and \
                self.session.info.get(HOLDS_WRITE_LOCK) and len(envelopes) > 1:
            self.defer_inserts()
