"""The domain's small value objects as JSON for the store, and back."""
from datetime import date, datetime, time, timezone

from vod_shared.events import Party

from scheduling.domain.availability import Availability, DaysOff, WeeklyHours
from scheduling.domain.model import Hold
from scheduling.domain.session import TaskStatus, TravelTask


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(timezone.utc) if value is not None else None


def _instant(value: str | None) -> datetime | None:
    return as_utc(datetime.fromisoformat(value)) if value else None


def availability_json(hours: Availability | None) -> dict | None:
    if hours is None:
        return None
    return {
        "time_zone": hours.time_zone,
        "weekly": [{"weekday": h.weekday, "start": h.start.strftime("%H:%M"),
                    "end": h.end.strftime("%H:%M")} for h in hours.weekly],
        "days_off": [{"first_day": d.first_day.isoformat(), "last_day": d.last_day.isoformat(),
                      "reason": d.reason} for d in hours.days_off],
    }


def availability_from(data: dict | None) -> Availability | None:
    if data is None:
        return None
    return Availability(
        data["time_zone"],
        tuple(WeeklyHours(h["weekday"], time.fromisoformat(h["start"]),
                          time.fromisoformat(h["end"])) for h in data["weekly"]),
        tuple(DaysOff(date.fromisoformat(d["first_day"]), date.fromisoformat(d["last_day"]),
                      d.get("reason")) for d in data.get("days_off", ())))


def ready_json(ready: dict[Party, datetime]) -> dict:
    return {party.value: utc(at).isoformat() for party, at in ready.items()}


def ready_from(data: dict) -> dict[Party, datetime]:
    return {Party(party): _instant(at) for party, at in (data or {}).items()}


def holds_json(holds: dict[str, Hold]) -> dict:
    return {key: {"reason": h.reason, "at": utc(h.at).isoformat()} for key, h in holds.items()}


def holds_from(data: dict) -> dict[str, Hold]:
    return {key: Hold(key, h["reason"], _instant(h["at"])) for key, h in (data or {}).items()}


def travel_json(task: TravelTask | None) -> dict | None:
    if task is None:
        return None
    return {"session_id": task.session_id, "due_by": utc(task.due_by).isoformat(),
            "status": task.status.value, "warned": task.warned,
            "done_at": utc(task.done_at).isoformat() if task.done_at else None}


def travel_from(data: dict | None) -> TravelTask | None:
    if data is None:
        return None
    return TravelTask(data["session_id"], _instant(data["due_by"]), TaskStatus(data["status"]),
                      _instant(data.get("done_at")), data.get("warned", False))
