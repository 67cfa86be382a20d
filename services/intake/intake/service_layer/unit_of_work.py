from vod_shared.unit_of_work import SqlUnitOfWork

from intake.adapters.repository import (
    CaseRepository,
    PeopleRepository,
    RegistrationRepository,
    WebhookReceipts,
)


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    registrations: RegistrationRepository
    people: PeopleRepository
    receipts: WebhookReceipts

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
        self.registrations = RegistrationRepository(self.session)
        self.people = PeopleRepository(self.session)
        self.receipts = WebhookReceipts(self.session)
