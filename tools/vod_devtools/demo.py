"""``make demo``: drives one sample case through a running ``make run``, from a partner's signed
request (in Spanish) to a scheduled video dialogue, and prints the case's timeline.

It adds what it needs as it goes: a demo staff account (all the roles it acts in) in the staff
file, the offender's custody record (through the custody feed), and a Spanish-speaking
facilitator who signs in as that account. Every run uses a new victim, so runs never join each
other's cases. ``make demo`` runs ``make sample`` first and asks about the sample roster's
``AB1234`` (in San Quentin), whose record is then already in the registry; called without a
CDCR number (as the end-to-end test does), it uses a new offender and reports their admission.

``drive_sample_case`` is the whole drive, for the end-to-end test as much as for ``main``: it
takes the four services' base URLs, the two webhook secrets, the staff file and a callback for
what it has to say.
"""
import asyncio
import json
import os
import random
import string
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from vod_devtools.staff_testing import StaffPerson, add_staff, sign_in
from vod_devtools.webhooks import signed_headers
from vod_shared.staff import Role

SERVICES = ("intake", "screening", "scheduling", "notifications")
DEFAULT_PORTS = {"intake": 8001, "screening": 8002, "scheduling": 8003, "notifications": 8004}
VICTIM_ZONE = "America/Phoenix"
SHOWN_IN = ZoneInfo("America/Los_Angeles")  # the program's zone, for the staff reading along
SAMPLE_CDCR_NUMBER = "AB1234"  # in San Quentin in samples/custody-roster.csv (`make sample`)
Say = Callable[[str], None]


class DemoFailed(Exception):
    """A step of the demo did not go as it should; the message says which and why."""


@dataclass
class DemoCase:
    """What the demo made, for whoever drove it (the end-to-end test checks it)."""

    cdcr_number: str
    victim_email: str
    staff: StaffPerson
    facilitator_id: str | None = None
    case_id: str | None = None
    reference: str | None = None
    session_id: str | None = None
    session_starts_at: datetime | None = None
    timeline: list[dict] = field(default_factory=list)


def signed(body: dict, secret: str) -> tuple[bytes, dict]:
    """The body and the Standard Webhooks headers that sign it."""
    raw = json.dumps(body).encode()
    return raw, signed_headers(raw, secret)


def expect(response: httpx.Response, *statuses: int, doing: str) -> dict | list:
    """The response's JSON, if its status is one of ``statuses``; else why not."""
    if response.status_code not in statuses:
        try:
            problem = response.json()
            why = problem.get("detail") or problem.get("title") or problem
            if isinstance(problem, dict) and problem.get("errors"):
                why = f"{why} {problem['errors']}"
        except ValueError:
            why = response.text[:300]
        raise DemoFailed(f"{doing}: {response.request.method} {response.request.url.path} "
                         f"answered {response.status_code}: {why}")
    return response.json() if response.content else {}


async def until(what: str, check: Callable[[], Awaitable], timeout: float):
    """``check()``'s first truthy answer, asking twice a second for at most ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if result := await check():
            return result
        if loop.time() >= deadline:
            raise DemoFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.5)


def local(moment: str | datetime) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(SHOWN_IN).strftime("%Y-%m-%d %H:%M")


async def drive_sample_case(urls: Mapping[str, str], *, intake_webhook_secret: str,
                            custody_webhook_secret: str, staff_file: Path, say: Say = print,
                            timeout: float = 60.0, cdcr_number: str | None = None) -> DemoCase:
    """Drives a new sample case from the partner's request to ``SessionScheduled`` through the
    running services at ``urls`` (intake, screening, scheduling, notifications), saying what
    happens through ``say``; returns what it made, the case's timeline included. With
    ``cdcr_number``, the offender is one the registry already knows (the sample roster's)."""
    clients = {name: httpx.AsyncClient(base_url=urls[name], timeout=15) for name in SERVICES}
    try:
        return await _drive(clients, intake_webhook_secret, custody_webhook_secret,
                            Path(staff_file), say, timeout, cdcr_number)
    finally:
        for client in clients.values():
            await client.aclose()


async def _drive(clients: dict[str, httpx.AsyncClient], intake_secret: str, custody_secret: str,
                 staff_file: Path, say: Say, timeout: float, known_cdcr: str | None) -> DemoCase:
    intake, screening, scheduling = clients["intake"], clients["screening"], clients["scheduling"]
    for name, client in clients.items():
        try:
            healthy = (await client.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            healthy = False
        if not healthy:
            raise DemoFailed(f"{name} is not up at {client.base_url}: start `make run` first")

    tag = uuid.uuid4().hex[:6]
    demo = DemoCase(
        cdcr_number=known_cdcr or (random.choice(string.ascii_uppercase)
                                   + f"{random.randrange(100000):05d}"),
        victim_email=f"ana.{tag}@example.org",
        staff=add_staff(staff_file, f"demo-{tag}", Role.ADMIN, Role.INTAKE, Role.SCREENER,
                        Role.COORDINATOR))
    say(f"1. Demo staff account {demo.staff.username} added to {staff_file}")
    for client in (screening, scheduling):
        await sign_in(client, demo.staff)

    if known_cdcr:
        say(f"2. {demo.cdcr_number} is in the custody registry from the sample roster "
            "(`make sample`): in San Quentin (SQ)")
    else:
        await _report_admission(screening, demo.cdcr_number, custody_secret, say)

    say("3. A Spanish-speaking facilitator joins the program (signing in as the demo account)")
    person = expect(await scheduling.post("/api/facilitators", json={
        "display_name": f"Lucía Demo {tag}", "languages": ["en", "es"], "capacity": 4,
        "experienced": True, "staff_username": demo.staff.username,
        "availability": {"time_zone": "America/Los_Angeles", "weekly": [
            {"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}}),
        201, doing="adding the facilitator")
    demo.facilitator_id = person["facilitator_id"]
    say(f"   facilitator {demo.facilitator_id}")

    say("4. A partner's form sends Ana's request, in Spanish, from Arizona")
    raw, headers = signed({
        "kind": "dialogue_request",
        "requester": {"given_name": "Ana", "family_name": "Demo", "relationship": "victim",
                      "email": demo.victim_email, "preferred_language": "es",
                      "preferred_channel": "email", "state": "AZ", "time_zone": VICTIM_ZONE},
        "offender": {"cdcr_number": demo.cdcr_number},
        "notes": "Sample request from make demo."}, intake_secret)
    accepted = expect(await intake.post("/webhooks/requests", content=raw, headers=headers),
                      202, doing="the partner's request webhook")
    demo.case_id, demo.reference = accepted["case_id"], accepted["reference"]
    say(f"   case {demo.reference} ({demo.case_id}); the acknowledgement goes to "
        f"{demo.victim_email}")

    async def decided():
        response = await screening.get(f"/api/cases/{demo.case_id}")
        return response.json() if response.status_code == 200 and response.json().get(
            "eligibility") else None
    case = await until("screening's eligibility decision", decided, timeout)
    eligibility = case["eligibility"]
    say(f"   screening decided from the registry: {eligibility['outcome']} "
        f"({eligibility['reason']}, {eligibility.get('facility_code')})")
    if eligibility["outcome"] != "eligible":
        raise DemoFailed(f"the case was not found eligible: {eligibility}")

    say("5. Screening staff record the suitability screening: approved")
    recorded = expect(await screening.post(f"/api/cases/{demo.case_id}/screening", json={
        "offender_consents": True, "offender_acknowledges_responsibility": True,
        "safety_concerns": False, "victim_ready": True, "outcome": "approved"}),
        200, doing="recording the screening")
    say(f"   screening stage: {recorded['stage']}")

    async def assigned():
        response = await scheduling.get(f"/api/cases/{demo.case_id}")
        if response.status_code == 200 and response.json().get("facilitator_ids"):
            return response.json()
        return None
    case = await until("a facilitator to be assigned", assigned, timeout)
    say(f"   facilitators assigned: {', '.join(case['facilitator_ids'])} "
        f"(stage {case['stage']})")

    say("6. Preparation: a meeting with each party (recorded afterwards), then both are ready")
    held = (datetime.now(timezone.utc) - timedelta(days=2)).replace(microsecond=0)
    for party, mode, place in (("victim", "video", None),
                               ("offender", "in_person", "San Quentin, visiting room")):
        expect(await scheduling.post(f"/api/cases/{demo.case_id}/meetings/past", json={
            "party": party, "mode": mode, "place": place, "starts_at": held.isoformat(),
            "duration_minutes": 60, "outcome": "Prepared; questions answered."}),
            201, doing=f"recording the meeting with the {party}")
        expect(await scheduling.post(f"/api/cases/{demo.case_id}/parties/{party}/ready",
                                     json={}), 200, doing=f"marking the {party} ready")
        say(f"   the {party}: prepared and ready")

    say("7. The joint dialogue, by video, at the earliest fitting time")
    slots = expect(await scheduling.get(f"/api/cases/{demo.case_id}/session/slots",
                                        params={"venue": "video", "count": 3}),
                   200, doing="finding a time")
    if not slots["slots"]:
        raise DemoFailed(f"no time for the dialogue: {slots['blockers']}")
    first = slots["slots"][0]
    scheduled = expect(await scheduling.post(f"/api/cases/{demo.case_id}/session", json={
        "starts_at": first["starts_at"], "venue": "video"}), 201, doing="scheduling the dialogue")
    demo.session_id = scheduled["session_id"]
    demo.session_starts_at = datetime.fromisoformat(first["starts_at"])
    say(f"   SessionScheduled: {first['starts_at']} ({slots['time_zone']}); the victim's "
        f"invitation shows it in {VICTIM_ZONE}")

    async def on_timeline(kind: str, words: str = ""):
        response = await screening.get(f"/api/cases/{demo.case_id}")
        entries = response.json()["timeline"] if response.status_code == 200 else []
        return entries if any(e["type"] == f"vod.{kind}.v1" and words in e["summary"]
                              for e in entries) else None
    demo.timeline = await until("the dialogue on the case's timeline",
                                lambda: on_timeline("SessionScheduled"), timeout)
    try:
        demo.timeline = await until("the invitation on the case's timeline", lambda: on_timeline(
            "NotificationSent", "session invitation"), min(timeout, 20))
    except DemoFailed:
        say("   (the victim's invitation is not on the timeline yet)")

    say(f"8. The case's timeline ({demo.reference}), times in {SHOWN_IN.key}")
    for entry in demo.timeline:
        say(f"   {local(entry['at'])}  {entry['summary']}")
    return demo


async def _report_admission(screening: httpx.AsyncClient, cdcr_number: str, secret: str,
                            say: Say) -> None:
    say(f"2. The corrections department reports {cdcr_number} admitted to San Quentin (SQ)")
    raw, headers = signed({"cdcr_number": cdcr_number, "change": "admission",
                           "status": "in_prison", "facility_code": "SQ", "details": {},
                           "effective_at": datetime.now(timezone.utc).isoformat()}, secret)
    accepted = expect(await screening.post("/webhooks/custody", content=raw, headers=headers),
                      202, doing="the custody feed")
    say(f"   custody change {accepted.get('change_id')} recorded")


def _settings() -> tuple[dict[str, str], str, str, Path, str]:
    urls = {name: f"http://localhost:{os.environ.get(f'{name.upper()}_PORT', port)}"
            for name, port in DEFAULT_PORTS.items()}
    data_dir = Path(os.environ.get("VOD_DATA_DIR") or "var")
    staff_file = Path(os.environ.get("VOD_STAFF_FILE") or data_dir / "staff.toml")
    secrets = []
    for name in ("INTAKE_WEBHOOK_SECRET", "CUSTODY_WEBHOOK_SECRET"):
        value = os.environ.get(name, "").split()
        if not value:
            raise DemoFailed(f"{name} is not set: run the demo as `make demo`")
        secrets.append(value[0])  # the first of several while rotating
    catcher = f"http://localhost:{os.environ.get('CATCHER_HTTP_PORT', 8025)}"
    return urls, secrets[0], secrets[1], staff_file, catcher


def main() -> int:
    try:
        urls, intake_secret, custody_secret, staff_file, catcher = _settings()
        demo = asyncio.run(drive_sample_case(
            urls, intake_webhook_secret=intake_secret, custody_webhook_secret=custody_secret,
            staff_file=staff_file, say=lambda line: print(line, flush=True),
            cdcr_number=SAMPLE_CDCR_NUMBER))
    except DemoFailed as failure:
        print(f"make demo: {failure}", file=sys.stderr)
        return 1
    print(f"\nThe case's pages: {urls['screening']}/staff/cases/{demo.case_id} and "
          f"{urls['scheduling']}/staff/cases/{demo.case_id}\n"
          f"Sign in there as {demo.staff.username} (a development-only account), password "
          f"{demo.staff.password}, with a code from the TOTP secret {demo.staff.totp_secret}.\n"
          f"What was sent (the acknowledgement, the invitation with its .ics): {catcher}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
