from vod_shared.unit_of_work import SqlUnitOfWork

from screening.adapters.registry import CustodyRegistry
from screening.adapters.repository import CaseRepository, WebhookReceipts


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    custody: CustodyRegistry
    receipts: WebhookReceipts

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
        self.custody = CustodyRegistry(self.session)
        self.receipts = WebhookReceipts(self.session)
