from vod_shared.unit_of_work import SqlUnitOfWork

from notifications.adapters.repository import ObservedEvents


class UnitOfWork(SqlUnitOfWork):
    observed: ObservedEvents

    def on_enter(self) -> None:
        self.observed = ObservedEvents(self.session)
