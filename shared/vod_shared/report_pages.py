"""What the staff report pages share at the edge: the period asked for by ``from`` and ``to``,
and the CSV download written from the same rows as the page."""
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.responses import Response

from vod_shared.periods import InvalidPeriod, Period

# The period's bounds as a page's query asks for them: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``.
FirstDay = Annotated[date | None, Query(alias="from")]
LastDay = Annotated[date | None, Query(alias="to")]


def chosen_period(first: date | None, last: date | None, *, today: date,
                  zone: ZoneInfo) -> Period:
    """The period a page was asked for; a missing bound defaults to the twelve months up to
    today (from the first of this month last year). Raises InvalidPeriod."""
    return Period(first or date(today.year - 1, today.month, 1), last or today, zone)


def csv_download(lines: Iterable[Sequence[str]], *, filename: str,
                 headers: dict[str, str]) -> Response:
    """The lines as a CSV attachment named ``filename``, with the page's own extra headers."""
    text = io.StringIO()
    csv.writer(text).writerows(lines)
    return Response(text.getvalue(), media_type="text/csv; charset=utf-8", headers={
        **headers, "Content-Disposition": f'attachment; filename="{filename}"'})


def refused_csv(error: InvalidPeriod) -> Response:
    """A CSV asked for an impossible period: why, as plain text, with status 422."""
    return Response(str(error), status_code=422, media_type="text/plain")
