"""Screening's read models as the events make them, for a rebuild (``python -m
screening.rebuild``): each case's timeline, who visits for it, and every service's audit
entries (``audit_everywhere``, from vod.audit). Facts only: nothing is decided
again. Screening's own decisions come back from its own topic (``vod.screening``), as the events
it emitted; where the live service looked at its own store when it handled an event (which cases
of an offender were open, whether a possible duplicate was new), the rebuild reads the same
store (its cases and possible duplicates, the sources of truth) as it stood at that moment.
"""
from datetime import datetime

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared import events as e
from vod_shared.rebuild import Fact, Live
from vod_shared.sealing import Keyring
from vod_shared.topics import Topics

from screening.adapters.audit_everywhere import AuditEverywhere
from screening.adapters.duplicates import duplicate_from_row
from screening.adapters.orm import (
    audit_everywhere,
    case_timeline,
    case_visitors,
    cases,
    possible_duplicates,
)
from screening.adapters.read_model import CaseVisitor, Timeline, TimelineEntry, Visitors
from screening.adapters.repository import as_utc
from screening.domain import duplicates
from screening.domain.timeline import cases_of, code, describe
from screening.service_layer.audit_everywhere import refusal
from screening.service_layer.following import ON_THE_TIMELINE, visitors_named

log = structlog.get_logger("screening.rebuild")
# The other services' events that go on a case's timeline, as followed live
FROM_OTHERS = frozenset(ON_THE_TIMELINE)


class ScreeningReadModels:
    tables = (case_timeline, case_visitors, audit_everywhere)
    scratch = ()
    kinds = FROM_OTHERS | {e.PossibleDuplicateFound, e.EligibilityDetermined,
                           e.ScreeningCompleted, e.ClearanceGranted, e.ClearanceDenied,
                           e.ClearanceVoided, e.DuplicateResolved, e.AuditRecorded}

    def __init__(self, topics: Topics, *, keyring: Keyring) -> None:
        self._keyring = keyring  # screening's: every service's public signing keys
        self.own_topics = (topics.screening,)
        self.topics = (topics.intake, topics.custody, topics.scheduling, topics.notifications,
                       topics.screening, topics.audit)

    async def apply(self, fact: Fact, session: AsyncSession, live: Live) -> None:
        envelope, data = fact.envelope, fact.envelope.data
        timeline, visitors = Timeline(session), Visitors(session)
        if isinstance(data, e.AuditRecorded):
            # Checked again as live: anyone may write vod.audit, and with the id of an event
            # screening applied (the inbox knows ids, not topics) a forged entry would be
            # dropped live as seen, then taken here.
            refused = refusal(envelope, self._keyring)
            if refused is None:
                await AuditEverywhere(session).add(data)
            else:
                log.warning("rebuild.audit_entry_refused", reason=refused)
            return
        if isinstance(data, (e.PossibleDuplicateFound, e.DuplicateResolved)):
            await _duplicate_lines(envelope, session, live, timeline)
            return
        if type(data) in FROM_OTHERS or fact.topic in self.own_topics:
            await _on_timeline(fact, session, live, timeline)
        if isinstance(data, e.RequestReceived):
            opened_at = await session.scalar(select(live(cases).c.opened_at).where(
                live(cases).c.case_id == data.case_id))
            if opened_at is not None:  # the victim, the first visitor screening knows
                await visitors.add(data.case_id, CaseVisitor(
                    data.requester_id, e.VisitorRole.VICTIM), as_utc(opened_at))
        elif isinstance(data, e.FacilitatorAssigned):
            await visitors.replace_facilitators(data.case_id, [
                CaseVisitor(fid, e.VisitorRole.FACILITATOR, data.staff_accounts.get(fid))
                for fid in data.facilitator_ids], data.at)
        elif isinstance(data, e.SupportPersonRemoved):  # no visitor of the case any more
            await visitors.remove(data.case_id, data.support_person_id,
                                  e.VisitorRole.SUPPORT_PERSON)
        elif isinstance(data, e.ClearanceRequested):
            if data.case_id in await _open_cases(session, live, fact.moment,
                                                 case_id=data.case_id):
                for visitor in visitors_named(data):
                    await visitors.add(data.case_id, visitor, data.at)

    async def finish(self, session: AsyncSession, live: Live) -> None:
        """Nothing left: each line was written as its event came."""


async def _on_timeline(fact: Fact, session: AsyncSession, live: Live,
                       timeline: Timeline) -> None:
    envelope, data = fact.envelope, fact.envelope.data
    summary = describe(data)
    if not summary:
        return
    if isinstance(data, e.CustodyStatusChanged):  # each case of the offender open then
        case_ids = await _open_cases(session, live, fact.moment, cdcr_number=data.cdcr_number)
    else:
        case_ids = cases_of(data, envelope.subject)
    for case_id in case_ids:
        await timeline.add(TimelineEntry(case_id, envelope.id, envelope.type, envelope.source,
                                         envelope.time, summary, code(data)))


async def _open_cases(session: AsyncSession, live: Live, moment: datetime, *,
                      cdcr_number: str | None = None, case_id: str | None = None) -> list[str]:
    """The cases open at ``moment``: opened before it, not ended by then."""
    table = live(cases)
    where = [table.c.opened_at <= moment,
             or_(table.c.ended_at.is_(None), table.c.ended_at > moment)]
    if cdcr_number is not None:
        where.append(table.c.cdcr_number == cdcr_number)
    if case_id is not None:
        where.append(table.c.case_id == case_id)
    return list(await session.scalars(select(table.c.case_id).where(*where)))


async def _duplicate_lines(envelope, session: AsyncSession, live: Live,
                           timeline: Timeline) -> None:
    """A possible duplicate's lines on both cases, naming each other by reference, as the live
    service leaves them (once the references are known); a pair announced again wrote none."""
    data, table = envelope.data, live(possible_duplicates)
    column = (table.c.found_event_id if isinstance(data, e.PossibleDuplicateFound)
              else table.c.resolved_event_id)
    row = (await session.execute(select(table).where(column == envelope.id))).first()
    if row is None:
        return
    duplicate = duplicate_from_row(row)
    if isinstance(data, e.DuplicateResolved):  # first as emitted, then in its own words
        await timeline.add(TimelineEntry(data.case_id, envelope.id, envelope.type,
                                         envelope.source, envelope.time, describe(data)))
    ids = [duplicate.case_id, duplicate.other_case_id]
    references = {r.case_id: r.reference for r in (await session.execute(select(
        live(cases).c.case_id, live(cases).c.reference).where(
            live(cases).c.case_id.in_(ids)))).all()}
    for line in duplicates.lines(duplicate, references):
        if line.event_id == envelope.id:
            await timeline.put(TimelineEntry(line.case_id, envelope.id, envelope.type,
                                             envelope.source, envelope.time, line.summary))
