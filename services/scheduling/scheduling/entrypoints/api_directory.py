"""Staff API: facilitators, facilities, the wait list, alerts and the calendar."""
import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember

from scheduling.domain.availability import PROGRAM_ZONE, zone
from scheduling.domain.errors import NotFound
from scheduling.domain.facilitators import Facilitator
from scheduling.domain.facilities import Facility
from scheduling.entrypoints.access import COORDINATORS, STAFF
from scheduling.entrypoints.schemas import (
    AvailabilityIn,
    BlackoutIn,
    FacilitatorIn,
    FacilitatorUpdate,
    FacilityIn,
)
from scheduling.adapters.serialization import availability_json
from scheduling.service_layer import staff_actions as act
from scheduling.service_layer import views

Staff = Annotated[StaffMember, Depends(STAFF)]
Coordinator = Annotated[StaffMember, Depends(COORDINATORS)]
Zone = Annotated[str, Query(description="IANA zone to show times in")]


def facilitator_out(person: Facilitator, load: int = 0) -> dict:
    return {"facilitator_id": person.facilitator_id, "display_name": person.display_name,
            "languages": sorted(lang.value for lang in person.languages), "region": person.region,
            "capacity": person.capacity, "experienced": person.experienced,
            "availability": availability_json(person.availability),
            "staff_username": person.staff_username, "active": person.active, "open_cases": load}


def facility_out(facility: Facility) -> dict:
    return {"code": facility.code, "region": facility.region,
            "visiting_hours": availability_json(facility.visiting_hours)}


def directory_router(service) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["scheduling: facilitators and facilities"])

    @router.get("/facilitators", summary="Every facilitator, with how many open cases they carry")
    async def list_facilitators(staff: Staff) -> list[dict]:
        async def view(uow):
            load = await uow.cases.load_by_facilitator()
            return [facilitator_out(p, load.get(p.facilitator_id, 0))
                    for p in await uow.facilitators.all()]
        return await service.read(view)

    @router.post("/facilitators", status_code=201, summary="Add a facilitator")
    async def add_facilitator(body: FacilitatorIn, staff: Coordinator) -> dict:
        person = Facilitator(str(uuid.uuid4()), body.display_name, frozenset(body.languages),
                             body.region, body.capacity, body.experienced,
                             body.availability.to_domain(), body.staff_username)
        return facilitator_out(await service.run(act.add_facilitator, staff=staff,
                                                 audit="facilitator.add", facilitator=person))

    @router.patch("/facilitators/{facilitator_id}", summary="Change a facilitator")
    async def update_facilitator(facilitator_id: str, body: FacilitatorUpdate,
                                 staff: Coordinator) -> dict:
        changes = body.model_dump(exclude_unset=True, exclude={"availability", "languages"})
        if body.languages is not None:
            changes["languages"] = frozenset(body.languages)
        if body.availability is not None:
            changes["availability"] = body.availability.to_domain()
        return facilitator_out(await service.run(act.update_facilitator, staff=staff,
                                                 audit="facilitator.update",
                                                 facilitator_id=facilitator_id, **changes))

    @router.put("/facilitators/{facilitator_id}/availability",
                summary="A facilitator's weekly hours and days off (their own, or a coordinator)")
    async def set_availability(facilitator_id: str, body: AvailabilityIn, staff: Staff) -> dict:
        if not staff.has_any_role(Role.COORDINATOR, Role.ADMIN):
            mine = await service.read(views.my_facilitator_id, staff=staff)
            if mine != facilitator_id:
                raise Problem(403, "Not allowed", "A facilitator changes only their own hours.")
        return facilitator_out(await service.run(act.update_facilitator, staff=staff,
                                                 audit="facilitator.availability",
                                                 facilitator_id=facilitator_id,
                                                 availability=body.to_domain()))

    @router.get("/facilities", summary="Facilities with their visiting hours and blackouts")
    async def list_facilities(staff: Staff) -> list[dict]:
        async def view(uow):
            return [facility_out(f) for f in await uow.facilities.all()]
        return await service.read(view)

    @router.put("/facilities/{code}", summary="A facility's region and visiting hours")
    async def put_facility(code: str, body: FacilityIn, staff: Coordinator) -> dict:
        facility = Facility(code.upper(), body.visiting_hours.to_domain(), body.region)
        return facility_out(await service.run(act.put_facility, staff=staff,
                                             audit="facility.put", facility=facility))

    @router.post("/facilities/{code}/blackouts", summary="Days a facility receives no visitors")
    async def black_out(code: str, body: BlackoutIn, staff: Coordinator) -> dict:
        return facility_out(await service.run(
            act.black_out_facility, staff=staff, audit="facility.blackout", code=code.upper(), first_day=body.first_day,
            last_day=body.last_day, reason=body.reason))

    @router.get("/wait-list", summary="Approved cases waiting for a facilitator, longest first")
    async def wait_list(staff: Coordinator, tz: Zone = PROGRAM_ZONE) -> list[dict]:
        async def view(uow):
            return [views.case_summary(case, tz) for case in
                    await uow.cases.many(await uow.cases.waiting_for_facilitator())]
        return await service.read(view)

    @router.get("/alerts", summary="What staff must know and act on, newest first")
    async def open_alerts(staff: Staff, tz: Zone = PROGRAM_ZONE) -> list[dict]:
        async def view(uow):
            return [{"alert_id": a.alert_id, "case_id": a.case_id, "kind": a.kind,
                     "detail": a.detail, "at": views.local(a.at, tz)}
                    for a in await views.visible_alerts(uow, staff)]
        return await service.read(view)

    @router.post("/alerts/{alert_id}/acknowledge", status_code=204, summary="Mark an alert seen")
    async def acknowledge(alert_id: str, staff: Staff) -> None:
        async def check(uow):
            alert = await uow.alerts.get(alert_id)
            if alert is None or not await views.may_see_case_id(uow, staff, alert.case_id):
                raise NotFound(f"No alert {alert_id}.")
        await service.read(check)
        await service.run(act.acknowledge_alert, staff=staff, audit="alert.acknowledge",
                          alert_id=alert_id, by=staff.username)

    @router.get("/calendar",
                summary="Meetings and dialogues in a period (a facilitator: their own)")
    async def calendar(staff: Staff, start: date | None = Query(None, alias="from"),
                       days: int = Query(7, ge=1, le=62), tz: Zone = PROGRAM_ZONE) -> list[dict]:
        first = start or service.ctx.clock().astimezone(zone(tz)).date()
        begin = datetime.combine(first, time(0), zone(tz))
        return await service.read(views.calendar, staff=staff, start=begin,
                                  end=begin + timedelta(days=days), tz=tz)

    return router
