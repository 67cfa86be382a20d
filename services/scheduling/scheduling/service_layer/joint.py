"""Linked family cases and their joint dialogue: staff link cases about the same offender into
one dialogue, or unlink one; the joint dialogue is scheduled, moved or cancelled for every
participant at once, each case with its own session and events (so each participant is invited
in their own language and channel, and no one's details reach another). A case not linked
takes the single-case path."""
from datetime import datetime

from vod_shared.events import CasesLinked, CaseUnlinked, EventData, Venue

from scheduling.domain.errors import NotNow
from scheduling.domain.family import (
    CoordinatorNeeded,
    check_linkable,
    ensure_ready_together,
    going,
)
from scheduling.domain.intervals import Interval
from scheduling.domain.model import Case
from scheduling.domain.session import SessionStatus
from scheduling.service_layer import staff_actions as single
from scheduling.service_layer.context import Context
from scheduling.service_layer.staff_actions import booking, case_for_update, new_id
from scheduling.service_layer.unit_of_work import UnitOfWork
from scheduling.service_layer.views import may_see

LEFT_THE_GROUP = "left_joint_dialogue"
# One participant's hold puts the joint dialogue off for everyone. Not a quiet ``case_`` reason:
# the others did nothing, so they are told it will not take place and that their facilitator
# will be in touch (never why: a pause is her choice).
POSTPONED = "joint_dialogue_postponed"


async def lock_joint_dialogue(uow: UnitOfWork, *case_ids: str) -> None:
    """A change to a linked case may change every case of its joint dialogue: these cases and
    every case of their groups are locked first, in one fixed order (PostgreSQL advisory locks;
    SQLite has one writer), before any row, so two staff acting on one dialogue (or linking two
    cases from either end) wait for each other instead of deadlocking."""
    subjects = list(case_ids)
    for case_id in case_ids:
        group_id = await uow.groups.group_of(case_id)
        if group_id is not None:
            subjects += await uow.groups.members(group_id)
    if len(subjects) > 1:
        await uow.serialize_on_all(subjects)


async def link_case(uow: UnitOfWork, ctx: Context, *, case_id: str, other_case_id: str) -> str:
    """``other_case_id`` joins ``case_id``'s joint dialogue (a new one if it has none)."""
    group_id = await uow.groups.group_of(case_id)
    members = await _members(uow, case_id, acting=True) or [await case_for_update(uow, case_id)]
    case = next(m for m in members if m.case_id == case_id)
    other = await case_for_update(uow, other_case_id)
    check_linkable(case, other, group_id=group_id, members=members,
                   other_group_id=await uow.groups.group_of(other_case_id))
    now = ctx.clock()
    if group_id is None:
        group_id = new_id()
        await uow.groups.add(group_id, case_id, now)
    await uow.groups.add(group_id, other_case_id, now)
    _changed(uow, other_case_id)
    members = await uow.groups.members(group_id)
    await _announce(uow, ctx, CasesLinked(group_id=group_id, case_ids=members, at=now),
                    group_id, members, now)
    return group_id


async def unlink_case(uow: UnitOfWork, ctx: Context, *, case_id: str,
                      member: str | None = None) -> None:
    """``member`` (else the case itself), of ``case_id``'s joint dialogue, leaves it: only its
    own session, if set, is cancelled. A group left with one case is no group any more, and
    that case keeps its session: it is now her own dialogue."""
    member = member or case_id
    group_id = await uow.groups.group_of(case_id)
    if group_id is None:
        raise NotNow("This case is not linked to a joint dialogue.")
    cases = await _members(uow, case_id, acting=True)
    if member not in {case.case_id for case in cases}:
        raise NotNow("That case is not linked to this joint dialogue.")
    members = [case.case_id for case in cases]
    remaining = [m for m in members if m != member]
    now = ctx.clock()
    leaver = next(case for case in cases if case.case_id == member)
    if _scheduled(leaver):
        leaver.cancel_session(reason=LEFT_THE_GROUP, now=now)
        await _save(uow, ctx, leaver)
    for position, leaving in enumerate([member] + (remaining if len(remaining) == 1 else [])):
        await uow.groups.remove(leaving)
        _changed(uow, leaving)
        still = remaining if position == 0 and len(remaining) > 1 else []
        await _announce(uow, ctx, CaseUnlinked(group_id=group_id, case_id=leaving,
                                               case_ids=still, at=now),
                        group_id, members, now)


async def schedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                           venue: Venue, place: str | None):
    """The joint dialogue, for every participant still going who has none set, once all of
    them are ready."""
    members = await _members(uow, case_id, acting=True)
    if members is None:
        return await single.schedule_session(uow, ctx, case_id=case_id, when=when,
                                             venue=venue, place=place)
    sessions = {}
    for case in ensure_ready_together(members):
        if _scheduled(case):
            continue
        sessions[case.case_id] = case.schedule_session(
            session_id=new_id(), when=when, venue=venue, place=place, now=ctx.clock(),
            facility=await uow.facilities.get(case.facility_code),
            **await _booking(uow, case, case.facilitator_ids, members))
        await _save(uow, ctx, case)
    if not sessions:
        raise NotNow("The joint dialogue is already scheduled: move or cancel it.")
    return sessions.get(case_id) or next(iter(sessions.values()))


async def reschedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                             place: str | None):
    """The joint dialogue moved, for everyone at once, while all still going are ready."""
    members = await _members(uow, case_id, acting=True)
    if members is None:
        return await single.reschedule_session(uow, ctx, case_id=case_id, when=when,
                                               place=place)
    with_dialogue = _with_dialogue(members)
    ensure_ready_together(members)
    sessions = {}
    for case in with_dialogue:
        current = case.current_session
        sessions[case.case_id] = case.reschedule_session(
            when=when, place=place, now=ctx.clock(),
            facility=await uow.facilities.get(current.facility_code),
            **await _booking(uow, case, current.facilitator_ids, members))
        await _save(uow, ctx, case)
    return sessions.get(case_id) or next(iter(sessions.values()))


async def cancel_session(uow: UnitOfWork, ctx: Context, *, case_id: str, reason: str) -> None:
    members = await _members(uow, case_id, acting=True)
    for case in _with_dialogue(members) if members is not None else [
            await case_for_update(uow, case_id)]:
        case.cancel_session(reason=reason, now=ctx.clock())
        await _save(uow, ctx, case)


async def session_held(uow: UnitOfWork, ctx: Context, *, case_id: str) -> None:
    """The dialogue took place: for every participant it was set for."""
    members = await _members(uow, case_id, acting=True)
    for case in _with_dialogue(members) if members is not None else [
            await case_for_update(uow, case_id)]:
        case.session_held(now=ctx.clock())
        await _save(uow, ctx, case)


async def hold_case(uow: UnitOfWork, ctx: Context, **step) -> Case:
    """Staff put the case on hold (``staff_actions.hold_case``); a joint dialogue is then off
    for everyone."""
    case = await single.hold_case(uow, ctx, **step)
    await put_off_for_hold(uow, ctx, case)
    return case


async def put_off_for_hold(uow: UnitOfWork, ctx: Context, case: Case) -> None:
    """``case`` has just gone on hold: if it is linked, the joint dialogue is off for every
    participant (the others' sessions cancelled quietly, staff alerted on each case)."""
    members = await _members(uow, case.case_id)
    if members is None:
        return
    now = ctx.clock()
    for member in members:
        if member.case_id == case.case_id:
            continue
        if member.joint_dialogue_off(POSTPONED, now):
            await _save(uow, ctx, member)


async def _members(uow: UnitOfWork, case_id: str, *, acting: bool = False) -> list[Case] | None:
    """Every case in ``case_id``'s joint dialogue, locked; None when it is in none.
    ``acting``: the staff member acting must be one who may change each of them."""
    group_id = await uow.groups.group_of(case_id)
    if group_id is None:
        return None
    members = [await case_for_update(uow, m) for m in await uow.groups.members(group_id)]
    if acting and uow.acting is not None:
        for case in members:
            if not await may_see(uow, uow.acting, case, for_update=True):
                raise CoordinatorNeeded()
    return members


async def _save(uow: UnitOfWork, ctx: Context, case: Case) -> None:
    """Saved, and audited on its own case too."""
    await uow.save_case(case, topic=ctx.topic)
    _changed(uow, case.case_id)


def _changed(uow: UnitOfWork, case_id: str) -> None:
    """Audited on its own case too, when not the case acted on (``SchedulingService``)."""
    if case_id not in uow.also_changed:
        uow.also_changed.append(case_id)


def _scheduled(case: Case) -> bool:
    session = case.current_session
    return session is not None and session.status is SessionStatus.SCHEDULED


def _with_dialogue(members: list[Case]) -> list[Case]:
    cases = [case for case in going(members) if _scheduled(case)]
    if not cases:
        raise NotNow("No dialogue is scheduled.")
    return cases


async def _booking(uow: UnitOfWork, case: Case, facilitator_ids, members: list[Case]) -> dict:
    """``facilitator_ids``' hours and commitments, the joint dialogue's other participants'
    own sessions aside (facilitators shared between family cases are at the same dialogue)."""
    return await booking(uow, case, facilitator_ids,
                         linked={member.case_id for member in members})


async def _announce(uow: UnitOfWork, ctx: Context, event: EventData, group_id: str,
                    members: list[str], now: datetime) -> None:
    """On the scheduling topic (subject: the group), and in each member case's history."""
    await uow.emit(event, topic=ctx.topic, subject=group_id)
    for member in members:
        await uow.history.add(member, event, now)
