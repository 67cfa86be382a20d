"""A roster of custody records (CSV) loaded into the registry, line by line, through the same
handler as the custody feed: the first load, and again whenever the department sends a roster.

Columns: cdcr_number, status, facility_code (empty when not in a facility), effective_at (ISO
8601 with its UTC offset). Each line is its own transaction, so a bad line costs only itself;
rejected lines are written beside the file with their reasons.
"""
import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from vod_shared.problems import field_errors

from screening.domain.commands import RecordCustodyChange
from screening.domain.errors import InvalidCustodyReport
from screening.entrypoints.schemas import CustodyLine

COLUMNS = ("cdcr_number", "status", "facility_code", "effective_at")


class UnreadableRoster(Exception):
    """The file as a whole cannot be read as a roster (its columns, its encoding)."""


@dataclass
class RosterResult:
    rejected_path: Path
    read: int = 0
    accepted: int = 0
    unchanged: int = 0
    rejected: int = 0


def rejected_path_for(path: Path) -> Path:
    """``roster.csv`` -> ``roster.rejected.csv``."""
    stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
    return path.with_name(f"{stem}.rejected.csv")


def read_lines(path: Path) -> list[tuple[int, dict]]:
    """The roster's lines with their line numbers in the file (the header is line 1)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            header = [name.strip() for name in reader.fieldnames or ()]
            missing = [c for c in COLUMNS if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                raise UnreadableRoster(
                    "The roster's first line must name the columns " + ",".join(COLUMNS)
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "") + ".")
            reader.fieldnames = header
            return [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError:
        raise UnreadableRoster("The roster is not UTF-8 text.") from None


async def import_roster(path: Path, record_change: Callable, *,
                        progress: Callable[[int, int], None] = lambda done, total: None,
                        ) -> RosterResult:
    lines = read_lines(path)
    result = RosterResult(rejected_path_for(path))
    with result.rejected_path.open("w", newline="", encoding="utf-8") as out:
        rejected = csv.writer(out)
        rejected.writerow(("line", *COLUMNS, "reasons"))
        for done, (line_number, row) in enumerate(lines, start=1):
            reasons = await _load_line(row, record_change, result)
            if reasons:
                result.rejected += 1
                rejected.writerow((line_number, *(row.get(c) or "" for c in COLUMNS),
                                   "; ".join(reasons)))
            progress(done, len(lines))
    result.read = len(lines)
    return result


async def _load_line(row: dict, record_change: Callable, result: RosterResult) -> list[str]:
    """Loads one line; returns why it was rejected, or nothing."""
    if None in row:
        return ["more cells than columns"]
    values = {c: row[c].strip() for c in COLUMNS if row.get(c) and row[c].strip()}
    try:
        report = CustodyLine.model_validate(values).to_report()
        recorded = await record_change(RecordCustodyChange(report))
    except ValidationError as exc:
        return [f"{e['field']}: {e['detail']}" for e in field_errors(exc.errors())]
    except InvalidCustodyReport as exc:
        return [f"{exc.field}: {exc.detail}"]
    if recorded.outcome == "recorded":
        result.accepted += 1
    else:
        result.unchanged += 1
    return []
