"""Parole hearings (Penal Code 3043): a victim or family member registered for them is to be
told at least 90 days before the hearing, and reminded 14 days before (rules.reminder_time).

A hearing reported with less notice than that is still told at once, and the notice says so
and gives the date plainly; the program's staff mailbox is alerted at once too (staff
``hearing_short_notice``), so that someone can reach the registrants in time to help them
attend, speak or send a statement. Pure: the time is passed in."""
from datetime import datetime
from zoneinfo import ZoneInfo

from vod_shared.events import CustodyChange, CustodyStatusChanged
from vod_shared.zones import PROGRAM_ZONE

NOTICE_DAYS = 90


def short_notice_days(event: CustodyStatusChanged, now: datetime) -> int | None:
    """Days from today (the program's day) to a hearing reported with fewer than
    ``NOTICE_DAYS`` of notice; None for any other report, a hearing without a date, a hearing
    far enough ahead, or a roster's first load (it says where someone is, not that a hearing
    was just set)."""
    if (event.change is not CustodyChange.PAROLE_HEARING or event.hearing_date is None
            or getattr(event, "initial_load", False)):
        return None
    days = (event.hearing_date - now.astimezone(ZoneInfo(PROGRAM_ZONE)).date()).days
    return days if days < NOTICE_DAYS else None
