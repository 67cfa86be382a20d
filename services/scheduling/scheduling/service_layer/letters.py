"""The indirect path's letter, as staff record it (domain.letters): each action loads the
letter, decides in the domain and saves it with its events, in the unit of work it is given.
The letter's words are sealed for scheduling alone, about the case, and opened only for its
staff; no event carries them. Nothing is done about a case she withdrew: everything stops."""
from datetime import date

from vod_shared.events import LetterHandover, LetterReview, SealedDetails
from vod_shared.sealing import CannotUnseal

from scheduling.domain.errors import NotFound, NotNow
from scheduling.domain.letters import Letter
from scheduling.domain.stages import Stage
from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork
from scheduling.service_layer.views import local


async def receive_letter(uow: UnitOfWork, ctx: Context, *, case_id: str, received_on: date,
                         text: str, by: str) -> Letter:
    await _case_going_on(uow, case_id)
    letter = Letter.receive(case_id=case_id, received_on=received_on, now=ctx.clock())
    await uow.letters.add(letter, received_by=by, sealed=_sealed(ctx, text, case_id))
    await _save(uow, ctx, letter)
    return letter


async def revise_letter(uow: UnitOfWork, ctx: Context, *, case_id: str, letter_id: str,
                        received_on: date, text: str) -> Letter:
    """Its writer's revision of a returned letter: its words replace the last ones."""
    letter = await _letter(uow, case_id, letter_id)
    letter.revised(received_on=received_on, now=ctx.clock())
    await _save(uow, ctx, letter, sealed=_sealed(ctx, text, case_id))
    return letter


async def review_letter(uow: UnitOfWork, ctx: Context, *, case_id: str, letter_id: str,
                        outcome: LetterReview, by: str) -> Letter:
    letter = await _letter(uow, case_id, letter_id)
    letter.review(outcome, by=by, now=ctx.clock())
    await _save(uow, ctx, letter)
    return letter


async def record_her_answer(uow: UnitOfWork, ctx: Context, *, case_id: str, letter_id: str,
                            wants: bool) -> Letter:
    letter = await _letter(uow, case_id, letter_id)
    letter.victim_answered(wants=wants, now=ctx.clock())
    await _save(uow, ctx, letter)
    return letter


async def deliver_letter(uow: UnitOfWork, ctx: Context, *, case_id: str, letter_id: str,
                         handover: LetterHandover, by: str) -> Letter:
    letter = await _letter(uow, case_id, letter_id)
    letter.deliver(handover, by=by, now=ctx.clock())
    await _save(uow, ctx, letter)
    return letter


async def letters_of(uow: UnitOfWork, ctx: Context, case_id: str, tz: str) -> list[dict]:
    """The case's letters for its staff, their words opened (None once erased)."""
    shown = []
    for row in await uow.letters.of(case_id):
        words = None
        try:
            if row.sealed is not None and ctx.open_note is not None:
                words = ctx.open_note(SealedDetails.model_validate(row.sealed), case_id)
        except CannotUnseal:
            pass  # not ours, or not about this case: not shown
        shown.append({
            "letter_id": row.letter_id, "state": row.state, "revision": row.revision,
            "received_on": row.received_on.isoformat(), "received_by": row.received_by,
            "reviewed_by": row.reviewed_by, "reviewed_at": local(row.reviewed_at, tz),
            "victim_wants": row.victim_wants, "answered_at": local(row.answered_at, tz),
            "handover": row.handover, "delivered_by": row.delivered_by,
            "delivered_at": local(row.delivered_at, tz), "text": words,
            "erased": row.sealed is None})
    return shown


async def _case_going_on(uow: UnitOfWork, case_id: str) -> None:
    case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    if case.stage is Stage.WITHDRAWN:
        raise NotNow("She withdrew: nothing more is done about this case.")


async def _letter(uow: UnitOfWork, case_id: str, letter_id: str) -> Letter:
    await _case_going_on(uow, case_id)
    letter = await uow.letters.get(case_id, letter_id, for_update=True)
    if letter is None:
        raise NotFound(f"No letter {letter_id} in this case.")
    return letter


async def _save(uow: UnitOfWork, ctx: Context, letter: Letter, *,
                sealed: dict | None = None) -> None:
    await uow.letters.save(letter, sealed=sealed)
    await uow.record(letter.events, case_id=letter.case_id, topic=ctx.topic, at=ctx.clock())


def _sealed(ctx: Context, text: str, case_id: str) -> dict:
    if ctx.seal_note is None:
        raise RuntimeError("scheduling cannot seal a letter: no key")
    return ctx.seal_note(text.strip(), case_id).model_dump(mode="json")
