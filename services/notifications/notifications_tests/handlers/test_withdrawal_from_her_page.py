"""A victim who withdraws from her own page may undo it for 7 days. Intake says so with a pause
(WITHDRAWAL_PENDING), then a resume (WITHDRAWAL_UNDONE) or, after the 7 days, CaseWithdrawn.
She is told at once, in her language, that her request is withdrawn, that messages about it
stop, and how to undo it; an undo, that it is active again; the final withdrawal, nothing."""
import re
from vod_shared.events import (
    WITHDRAWAL_PENDING,
    WITHDRAWAL_UNDONE,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
)
from vod_shared.victim_links import VictimLinks

from ..support import INTAKE_URL, LINK_SECRET, eligibility, new_id, request


async def _case(service, clock, *, language="en", channel="email"):
    person, case = new_id(), new_id()
    await service.person(person, preferred_language=language, preferred_channel=channel)
    await service.deliver(request(case, person, language=language, channel=channel, at=clock()),
                          subject=case)
    await service.send_due()
    service.email.sent.clear(), service.sms.sent.clear()
    return person, case


def _withdraws(case, clock):
    return CasePaused(case_id=case, by="victim", reason=WITHDRAWAL_PENDING, at=clock())


def _words(message) -> str:
    return " ".join(message.text.split())


async def test_she_is_told_at_once_in_spanish_how_to_undo_it_and_nothing_when_it_is_final(
        configured, clock):
    person, case = await _case(configured, clock, language="es")
    await configured.deliver(_withdraws(case, clock), subject=case)
    await configured.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await configured.send_due()

    [told] = configured.email.sent  # the eligibility waits with the case
    message = told["message"]
    assert told["to"] == "ana@example.org"
    assert message.subject == ("Retiramos su solicitud de diálogo; puede deshacerlo durante "
                               "7 días (VOD-2026-000123)")
    words = _words(message)
    assert "A partir de ahora, no le enviaremos mensajes sobre ella" in words
    assert ("puede deshacerlo durante 7 días, en su página o llamándonos al 1-877-256-6877"
            in words)
    [token] = re.findall(re.escape(INTAKE_URL) + r"/v/([A-Za-z0-9_.\-]+)", message.text)
    link = VictimLinks(LINK_SECRET).read(token)
    assert (link.case_id, link.person_id) == (case, person)

    clock.move(days=7, minutes=1)
    final = await configured.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()),
                                     subject=case)
    await configured.redeliver(final)
    await configured.send_due()
    assert len(configured.email.sent) == 1  # nothing more: she was told when she withdrew
    assert {d.template: d.status for d in await configured.deliveries(subject=case)} == {
        "request_acknowledged": "sent", "case_withdrawal_pending": "sent",
        "eligibility_eligible": "cancelled"}


async def test_an_undo_is_told_as_active_again_and_what_waited_goes_then(harness, clock):
    _, case = await _case(harness, clock, channel="sms")
    await harness.deliver(_withdraws(case, clock), subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    [withdrawn] = [m["message"] for m in harness.sms.sent]
    assert withdrawn == ("VOD-2026-000123: As you asked, your request is withdrawn and our "
                         "messages about it stop now. To undo this within 7 days, use your page "
                         "or call 1-877-256-6877")

    clock.move(days=3)
    await harness.deliver(CaseResumed(case_id=case, by="victim", reason=WITHDRAWAL_UNDONE,
                                      at=clock()), subject=case)
    await harness.send_due()
    # What waited with the case goes now (in the order it was planned), with the undo.
    held, undone = [m["message"] for m in harness.sms.sent[1:]]
    assert undone.startswith("VOD-2026-000123: As you asked, your withdrawal is undone and your "
                             "request is active again.")
    assert "Update on your request: it can go ahead" in held
    assert all(m["to"] == "+16195550100" for m in harness.sms.sent)
    assert harness.email.sent == []


async def test_after_an_undo_a_later_withdrawal_is_confirmed_as_today(harness, clock):
    """The pending withdrawal ended with the undo: a withdrawal after it is not a silent one."""
    _, case = await _case(harness, clock)
    await harness.deliver(_withdraws(case, clock), subject=case)
    await harness.send_due()
    await harness.deliver(CaseResumed(case_id=case, by="victim", reason=WITHDRAWAL_UNDONE,
                                      at=clock()), subject=case)
    await harness.send_due()
    clock.move(days=30)
    await harness.deliver(CaseWithdrawn(case_id=case, by="staff_for_victim", at=clock()),
                          subject=case)
    await harness.send_due()
    assert [m["message"].subject for m in harness.email.sent] == [
        "Your dialogue request is withdrawn; you can undo this for 7 days (VOD-2026-000123)",
        "Your dialogue request is active again (VOD-2026-000123)",
        "Your dialogue request is withdrawn (VOD-2026-000123)"]
    assert "undone the withdrawal" in _words(harness.email.sent[1]["message"])


async def test_a_plain_pause_and_a_withdrawal_without_a_pending_one_keep_their_messages(
        harness, clock):
    _, paused = await _case(harness, clock)
    await harness.deliver(CasePaused(case_id=paused, by="victim", at=clock()), subject=paused)
    await harness.deliver(CaseResumed(case_id=paused, by="victim", at=clock()), subject=paused)
    _, withdrawn = await _case(harness, clock)
    await harness.deliver(CaseWithdrawn(case_id=withdrawn, by="victim", at=clock()),
                          subject=withdrawn)
    await harness.send_due()
    templates = [d.template for d in await harness.deliveries()
                 if d.subject in (paused, withdrawn) and d.status == "sent"]
    assert templates == ["request_acknowledged", "case_paused", "case_resumed",
                         "request_acknowledged", "case_withdrawn"]
    assert "As you asked, we have withdrawn your request. We will not contact you about it " \
           "again." in _words(harness.email.sent[-1]["message"])


async def test_the_withdrawal_text_at_night_waits_for_the_morning_and_says_no_more(
        harness, clock):
    """Like any text: not at 03:00. And a text never carries her link or her name."""
    _, case = await _case(harness, clock, language="es", channel="sms")
    clock.now = clock.now.replace(hour=11)  # 03:00 in California, the next day
    clock.move(days=1)
    await harness.deliver(_withdraws(case, clock), subject=case)
    await harness.send_due()
    assert harness.sms.sent == []
    clock.move(hours=5)
    await harness.send_due()
    [text] = [m["message"] for m in harness.sms.sent]
    assert text == ("VOD-2026-000123: Solicitud retirada; no habrá más mensajes sobre ella. "
                    "Tiene 7 días para deshacerlo en su página o al 1-877-256-6877")
    assert "/v/" not in text and "Ana" not in text
