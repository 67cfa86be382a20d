"""The reporting period every staff report uses: whole days in the program's time zone,
``first`` to ``last`` inclusive, at most ten years long."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class InvalidPeriod(ValueError):
    """A period that ends before it starts, or is longer than the reports allow."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidPeriod("The period ends before it starts.")
        if (self.last - self.first).days > 3660:
            raise InvalidPeriod("A period is at most ten years.")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period (midnight local time after its last day)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone)

    def holds(self, moment: datetime | None) -> bool:
        """Whether the moment falls in the period (a moment that never came, ``None``, does not)."""
        return moment is not None and self.start <= moment < self.end

    def months(self) -> list[str]:
        """Every month the period touches, as ``YYYY-MM``, in order."""
        months, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

