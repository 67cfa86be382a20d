from vod_shared.unit_of_work import SqlUnitOfWork

from screening.adapters.repository import CaseRepository, CustodyRegistry


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    custody: CustodyRegistry

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
        self.custody = CustodyRegistry(self.session)
