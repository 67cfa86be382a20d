"""Staff API for the indirect path's letter of one case: record it, review it, her answer,
and its handover. The letter's words come in here and are shown only here (and on the
case's staff data); no event carries them. A facilitator reaches only their own cases."""
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from vod_shared.events import LetterHandover, LetterReview
from vod_shared.staff import StaffMember

from scheduling.domain.availability import PROGRAM_ZONE
from scheduling.entrypoints.access import STAFF
from scheduling.service_layer import letters

Staff = Annotated[StaffMember, Depends(STAFF)]
LetterText = Annotated[str, Field(min_length=1, max_length=20000,
                                  description="The letter's words, as written (kept sealed "
                                              "here, never published)")]


class LetterIn(BaseModel):
    received_on: date
    text: LetterText


class ReviewIn(BaseModel):
    outcome: LetterReview


class AnswerIn(BaseModel):
    wants_letter: bool = Field(description="She was asked: true, she wants it; false, keep it "
                                           "in the letter bank (she may ask for it later)")


class HandoverIn(BaseModel):
    handover: LetterHandover


def letters_router(service) -> APIRouter:
    router = APIRouter(prefix="/api/cases/{case_id}/letters", tags=["scheduling: letters"])

    async def words(staff: StaffMember, case_id: str) -> list[dict]:
        """The letters with their words, opened: a read the audit log records."""
        return await service.on_case(staff, case_id, lambda uow, ctx, case_id: (
            letters.letters_of(uow, ctx, case_id, PROGRAM_ZONE)), audit="letters.read")

    async def shown(staff: StaffMember, case_id: str, action, *, audit: str,
                    **kwargs) -> list[dict]:
        """A decision on a letter, then the letters as they now are: one request, one audit
        entry (the decision's, in its transaction), as on every page of the case."""
        await service.on_case(staff, case_id, action, audit=audit,
                              detail=kwargs.get("letter_id"), **kwargs)
        return await service.read(lambda uow: letters.letters_of(uow, service.ctx, case_id,
                                                                 PROGRAM_ZONE))

    @router.get("", summary="The case's letters, with their words")
    async def list_letters(case_id: str, staff: Staff) -> list[dict]:
        return await words(staff, case_id)

    @router.post("", status_code=201, summary="A letter from the offender was received")
    async def receive(case_id: str, body: LetterIn, staff: Staff) -> list[dict]:
        return await shown(staff, case_id, letters.receive_letter, audit="letter.receive",
                           received_on=body.received_on,
                           text=body.text, by=staff.username)

    @router.post("/{letter_id}/revision", summary="Its revision came back after a return")
    async def revise(case_id: str, letter_id: str, body: LetterIn, staff: Staff) -> list[dict]:
        return await shown(staff, case_id, letters.revise_letter, audit="letter.revise",
                           letter_id=letter_id,
                           received_on=body.received_on, text=body.text)

    @router.post("/{letter_id}/review", summary="Approved, or returned for revision")
    async def review(case_id: str, letter_id: str, body: ReviewIn, staff: Staff) -> list[dict]:
        return await shown(staff, case_id, letters.review_letter, audit="letter.review",
                           letter_id=letter_id,
                           outcome=body.outcome, by=staff.username)

    @router.post("/{letter_id}/answer", summary="Her answer: does she want the letter?")
    async def answer(case_id: str, letter_id: str, body: AnswerIn, staff: Staff) -> list[dict]:
        return await shown(staff, case_id, letters.record_her_answer, audit="letter.answer",
                           letter_id=letter_id,
                           wants=body.wants_letter)

    @router.post("/{letter_id}/handover", summary="Given to her, in person or by mail")
    async def handover(case_id: str, letter_id: str, body: HandoverIn,
                       staff: Staff) -> list[dict]:
        return await shown(staff, case_id, letters.deliver_letter, audit="letter.handover",
                           letter_id=letter_id,
                           handover=body.handover, by=staff.username)

    return router
