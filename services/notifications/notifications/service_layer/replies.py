"""Texts people send back: STOP/ALTO and the other opt-out words stop texts to that number
(email goes on) with one confirmation; START/UNSTOP resume them; HELP/AYUDA answer with the
program's phone number; anything else is kept, sealed, for staff to read.

A number is matched to people by opening their sealed contacts with the keys in the key book
(no phone number is stored in the clear, nor hashed; an erased person's no longer opens).
Several people may share a number: all of them are opted out, and the number gets one answer.
"""
from datetime import datetime

import structlog

from vod_shared.events import Channel, Language

from notifications.adapters.contacts import ContactKeys
from notifications.domain.model import Notice
from notifications.domain.sms import Reply, classify, is_spanish_keyword
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.replies")
ANSWERS = {Reply.OPT_OUT: "sms_opted_out", Reply.OPT_IN: "sms_opted_in", Reply.HELP: "sms_help"}


async def receive_text(uow: UnitOfWork, keys: ContactKeys, *, message_sid: str,
                       from_number: str, body: str, now: datetime) -> Reply | None:
    """Applies one inbound text once (by its provider id); None if it was seen before."""
    if await uow.inbound.seen(message_sid):
        return None
    reply = classify(body)
    people = await _people_with(uow, keys, from_number)
    await uow.inbound.add(message_sid=message_sid, person_id=people[0][0] if people else None,
                          received_at=now, reply=reply.value,
                          sealed=keys.seal_for_us({"from": from_number, "body": body},
                                                  about=message_sid))
    changed = False
    for person_id, _ in people:
        changed |= await _apply(uow, reply, person_id, now)
    if people and reply in ANSWERS and (changed or reply is Reply.HELP):
        await _answer(uow, reply, people[0], message_sid, body, now)
    await uow.commit()
    log.info("sms.reply_received", message_sid=message_sid, reply=reply.value,
             matched_people=len(people))
    return reply


async def _apply(uow: UnitOfWork, reply: Reply, person_id: str, now: datetime) -> bool:
    """Opts in or out; True if that changed anything."""
    opted_out = await uow.people.opted_out_of_sms(person_id)
    if reply is Reply.OPT_OUT and not opted_out:
        await uow.people.opt_out_of_sms(person_id, now)
        return True
    if reply is Reply.OPT_IN and opted_out:
        await uow.people.opt_in_to_sms(person_id)
        return True
    return False


async def _answer(uow: UnitOfWork, reply: Reply, person: tuple[str, dict], message_sid: str,
                  body: str, now: datetime) -> None:
    person_id, details = person
    latest = await uow.deliveries.latest_for(person_id)
    language = Language.ES if is_spanish_keyword(body) else Language(
        details.get("preferred_language") or (latest.language if latest else "en"))
    await uow.deliveries.plan(Notice(
        recipient_id=person_id, template=ANSWERS[reply], channels=(Channel.SMS,),
        subject=latest.subject if latest else person_id,
        reference=latest.reference if latest else "", language=language, urgent=True),
        cause_event_id=message_sid, now=now)


async def _people_with(uow: UnitOfWork, keys: ContactKeys,
                       number: str) -> list[tuple[str, dict]]:
    wanted = _digits(number)
    found = []
    for person_id, sealed in await uow.people.all_contacts():
        try:
            details = await keys.open(uow.session, sealed, about=person_id)
        except LookupError:  # CannotUnseal: not readable here (erased, key not here yet)
            continue
        if wanted and _digits(details.get("phone") or "") == wanted:
            found.append((person_id, details))
    return found


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())
