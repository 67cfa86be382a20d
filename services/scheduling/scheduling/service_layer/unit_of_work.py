from vod_shared.unit_of_work import SqlUnitOfWork

from scheduling.adapters.repository import CaseRepository


class UnitOfWork(SqlUnitOfWork):
    cases: CaseRepository

    def on_enter(self) -> None:
        self.cases = CaseRepository(self.session)
