"""``/staff/``: notifications' pages, in the one workspace: the delivery log, the deliveries
whose outcome is unknown with the settle action, the texts people sent back (the number and the
words one click further, each view audited, refused tries too), and who opted out of texts."""
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Security
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import APIKeyCookie

from vod_shared.events import SealedDetails
from vod_shared.problems import Problem
from vod_shared.staff import SignInRequired, StaffMember, current_staff, require_csrf
from vod_shared.staff.sessions import COOKIE_NAME
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import roles_for, workspace

from notifications.entrypoints.staff_audit import entry
from notifications.entrypoints.staff_audit import record as record_apart
from notifications.adapters.contacts import ContactKeys
from notifications.adapters.staff_reads import AuditEntry, StaffReads
from notifications.domain.delivery import Status
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.settling import NoSuchDelivery, NotUnknown, Settlement, settle

_templates = environment(Path(__file__).parent / "staff_templates")
_cookie = APIKeyCookie(name=COOKIE_NAME, scheme_name="staff_session", auto_error=False)
SEES_DELIVERIES = roles_for("notifications")
LOCAL_LINKS = (("Delivery log", "/staff/"), ("Unknown outcomes", "/staff/unknown"),
               ("Texts received", "/staff/texts"), ("Opted out of texts", "/staff/opt-outs"))
DONE = {"sent": "Recorded as sent: nothing is sent again.",
        "not_sent": "Recorded as not sent: it is sent once more."}


def staff_pages_router(*, uow: Callable, keys: ContactKeys, outcomes: Outcomes,
                       clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False,
                       default_response_class=HTMLResponse)

    async def record(request: Request, member: StaffMember | None, outcome: str) -> None:
        async with uow() as unit:
            await StaffReads(unit.session).audit(AuditEntry(
                clock(), member.username if member else None, "text.read", outcome,
                request.client.host if request.client else "unknown", request.method,
                request.url.path))
            await unit.commit()

    async def member(request: Request, token: str | None = Security(_cookie)) -> StaffMember:
        """Signed in with a role that sees deliveries; a refused try at a text is audited."""
        reading_text = request.url.path.startswith("/staff/texts/")
        try:
            found = await current_staff(request, token)
        except (SignInRequired, Problem):
            if reading_text:
                await record(request, None, "refused_unauthenticated")
            raise
        if not found.has_any_role(*SEES_DELIVERIES):
            if reading_text:
                await record(request, found, "refused_role")
            raise Problem(403, "Not allowed", "The delivery log is for the intake, "
                                              "coordinator and admin roles.")
        return found

    Staff = Annotated[StaffMember, Depends(member)]

    async def signed_in_then_csrf(request: Request, staff: Staff) -> None:
        await require_csrf(request)

    def render(request: Request, name: str, staff: StaffMember, **context) -> HTMLResponse:
        return render_page(request, _templates, name, staff=staff, local_links=LOCAL_LINKS,
                           **context)

    async def listing(**filters) -> list:
        async with uow() as unit:
            return await unit.deliveries.listing(limit=200, **filters)

    @router.get("/")
    async def log(request: Request, staff: Staff, case_id: str = "", status: str = "",
                  recipient: str = ""):
        # A page takes what a link or a form sends; anything odd is simply no filter.
        chosen = next((s for s in Status if s.value == status), None)
        rows = await listing(subject=case_id[:64] or None, recipient_id=recipient[:64] or None,
                             status=chosen.value if chosen else None)
        return render(request, "deliveries.html", staff, rows=rows, case_id=case_id[:64],
                      recipient=recipient[:64], status=chosen, statuses=list(Status),
                      case_links=workspace(request).case_links(request, staff, case_id[:64])
                      if case_id else ())

    @router.get("/unknown")
    async def unknown(request: Request, staff: Staff, done: str = ""):
        rows = await listing(subject=None, recipient_id=None, status=Status.UNKNOWN.value)
        return render(request, "unknown.html", staff, rows=rows, done=DONE.get(done))

    @router.post("/deliveries/{delivery_id}/settle",
                 dependencies=[Depends(signed_in_then_csrf)])
    async def settle_delivery(request: Request, delivery_id: str, staff: Staff,
                              outcome: Annotated[Settlement, Form()]):
        detail = f"{delivery_id[:64]} {outcome.value}"
        async with uow() as unit:
            try:
                # Its audit entry first, in the transaction ``settle`` commits: none without it.
                await StaffReads(unit.session).audit(entry(
                    request, staff, "delivery.settle", "done", clock(), detail=detail))
                await settle(unit, outcomes, delivery_id=delivery_id[:64], outcome=outcome,
                             note_code="staff_page", by=staff.username, now=clock())
            except NoSuchDelivery:
                await unit.rollback()  # the try's entry goes alone
                await record_apart(uow, entry(request, staff, "delivery.settle",
                                              "refused_not_found", clock(), detail=detail))
                raise Problem(404, "No such delivery") from None
            except NotUnknown as refused:
                await unit.rollback()  # the try's entry goes alone
                await record_apart(uow, entry(request, staff, "delivery.settle",
                                              "refused_not_now", clock(), detail=detail))
                raise Problem(409, "Already settled",
                              f"This delivery is {refused.status.value} now; only one whose "
                              "outcome is unknown is settled by hand.") from None
        return RedirectResponse(f"/staff/unknown?done={outcome.value}", status_code=303)

    @router.get("/texts")
    async def texts(request: Request, staff: Staff):
        async with uow() as unit:
            rows = await unit.inbound.latest(200)
        return render(request, "texts.html", staff, rows=rows)

    @router.get("/texts/{message_sid}")
    async def text(request: Request, message_sid: str, staff: Staff):
        async with uow() as unit:
            row = await StaffReads(unit.session).text(message_sid[:64])
            await StaffReads(unit.session).audit(AuditEntry(
                clock(), staff.username, "text.read", "done" if row else "refused_not_found",
                request.client.host if request.client else "unknown", request.method,
                request.url.path))
            await unit.commit()
        if row is None:
            raise Problem(404, "No such text")
        opened = keys.open_own(SealedDetails.model_validate_json(row.sealed),
                               about=row.message_sid)
        return render(request, "text.html", staff, row=row, number=opened["from"],
                      words=opened["body"])

    @router.get("/opt-outs")
    async def opt_outs(request: Request, staff: Staff):
        async with uow() as unit:
            rows = await StaffReads(unit.session).opt_outs()
        return render(request, "opt_outs.html", staff, rows=rows)

    return router
