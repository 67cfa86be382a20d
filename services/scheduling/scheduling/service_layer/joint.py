"""Linked family cases and their joint dialogue: staff link cases about the same offender into
one dialogue, or unlink one; the joint dialogue is scheduled, moved or cancelled for every
participant at once, each case with its own session and events (so each participant is invited
in their own language and channel, and no one's details reach another). A case not linked
takes the single-case path."""
from datetime import datetime

from vod_shared.events import CasesLinked, CaseUnlinked, EventData, Venue

from scheduling.domain.errors import NotNow
from scheduling.domain.family import check_linkable, ensure_ready_together
from scheduling.domain.intervals import Interval
from scheduling.domain.model import Case
from scheduling.domain.session import SessionStatus
from scheduling.service_layer import staff_actions as single
from scheduling.service_layer.context import Context
from scheduling.service_layer.staff_actions import booking, case_for_update, new_id
from scheduling.service_layer.unit_of_work import UnitOfWork

LEFT_THE_GROUP = "left_joint_dialogue"


async def link_case(uow: UnitOfWork, ctx: Context, *, case_id: str, other_case_id: str) -> str:
    """``other_case_id`` joins ``case_id``'s joint dialogue (a new one if it has none)."""
    case = await case_for_update(uow, case_id)
    other = await case_for_update(uow, other_case_id)
    group_id = await uow.groups.group_of(case_id)
    check_linkable(case, other, group_id=group_id,
                   other_group_id=await uow.groups.group_of(other_case_id))
    now = ctx.clock()
    if group_id is None:
        group_id = new_id()
        await uow.groups.add(group_id, case_id, now)
    await uow.groups.add(group_id, other_case_id, now)
    members = await uow.groups.members(group_id)
    await _announce(uow, ctx, CasesLinked(group_id=group_id, case_ids=members, at=now),
                    group_id, members, now)
    return group_id


async def unlink_case(uow: UnitOfWork, ctx: Context, *, case_id: str) -> None:
    """The case leaves its joint dialogue (its own session, if set, is cancelled); a group
    left with one case is no group any more."""
    group_id = await uow.groups.group_of(case_id)
    if group_id is None:
        raise NotNow("This case is not linked to a joint dialogue.")
    members = await uow.groups.members(group_id)
    remaining = [m for m in members if m != case_id]
    leaving = [case_id] + (remaining if len(remaining) == 1 else [])
    now = ctx.clock()
    for position, leaver in enumerate(leaving):
        case = await case_for_update(uow, leaver)
        if _scheduled(case):
            case.cancel_session(reason=LEFT_THE_GROUP, now=now)
            await uow.save_case(case, topic=ctx.topic)
        await uow.groups.remove(leaver)
        still = remaining if position == 0 and len(remaining) > 1 else []
        await _announce(uow, ctx, CaseUnlinked(group_id=group_id, case_id=leaver,
                                               case_ids=still, at=now),
                        group_id, members, now)


async def schedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                           venue: Venue, place: str | None):
    """The joint dialogue, for every participant still going, once all of them are ready."""
    members = await _members(uow, case_id)
    if members is None:
        return await single.schedule_session(uow, ctx, case_id=case_id, when=when,
                                             venue=venue, place=place)
    sessions = {}
    for case in ensure_ready_together(members):
        sessions[case.case_id] = case.schedule_session(
            session_id=new_id(), when=when, venue=venue, place=place, now=ctx.clock(),
            facility=await uow.facilities.get(case.facility_code),
            **await _booking(uow, case, members))
        await uow.save_case(case, topic=ctx.topic)
    return sessions.get(case_id) or next(iter(sessions.values()))


async def reschedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                             place: str | None):
    members = await _members(uow, case_id)
    if members is None:
        return await single.reschedule_session(uow, ctx, case_id=case_id, when=when,
                                               place=place)
    sessions = {}
    for case in _with_dialogue(members):
        current = case.current_session
        sessions[case.case_id] = case.reschedule_session(
            when=when, place=place, now=ctx.clock(),
            facility=await uow.facilities.get(current.facility_code),
            **await _booking(uow, case, members))
        await uow.save_case(case, topic=ctx.topic)
    return sessions.get(case_id) or next(iter(sessions.values()))


async def cancel_session(uow: UnitOfWork, ctx: Context, *, case_id: str, reason: str) -> None:
    members = await _members(uow, case_id)
    for case in _with_dialogue(members) if members is not None else [
            await case_for_update(uow, case_id)]:
        case.cancel_session(reason=reason, now=ctx.clock())
        await uow.save_case(case, topic=ctx.topic)


async def _members(uow: UnitOfWork, case_id: str) -> list[Case] | None:
    """Every case in ``case_id``'s joint dialogue, locked; None when it is in none."""
    group_id = await uow.groups.group_of(case_id)
    if group_id is None:
        return None
    return [await case_for_update(uow, member) for member in await uow.groups.members(group_id)]


def _scheduled(case: Case) -> bool:
    session = case.current_session
    return session is not None and session.status is SessionStatus.SCHEDULED


def _with_dialogue(members: list[Case]) -> list[Case]:
    cases = [case for case in members if _scheduled(case)]
    if not cases:
        raise NotNow("No dialogue is scheduled.")
    return cases


async def _booking(uow: UnitOfWork, case: Case, members: list[Case]) -> dict:
    """The facilitators' hours and commitments, the joint dialogue's other participants' own
    session aside (facilitators shared between family cases are at the same dialogue)."""
    found = await booking(uow, case, case.facilitator_ids)
    linked = {member.case_id for member in members}
    found["commitments"] = [c for c in found["commitments"]
                            if not (c.case_id in linked and c.kind == "session")]
    return found


async def _announce(uow: UnitOfWork, ctx: Context, event: EventData, group_id: str,
                    members: list[str], now: datetime) -> None:
    """On the scheduling topic (subject: the group), and in each member case's history."""
    await uow.emit(event, topic=ctx.topic, subject=group_id)
    for member in members:
        await uow.history.add(member, event, now)
