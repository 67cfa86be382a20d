from vod_shared.unit_of_work import SqlUnitOfWork

from intake.adapters.repository import (
    CaseRepository,
    ErasureLog,
    PeopleRepository,
    RegistrationRepository,
    SubjectKeyRepository,
    WebhookReceipts,
)
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
