"""Facilitators and facilities: the program's own people and the prisons it visits."""
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import Language

from scheduling.adapters import orm
from scheduling.adapters.serialization import availability_from, availability_json
from scheduling.domain.facilitators import Facilitator
from scheduling.domain.facilities import Facility


class FacilitatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, facilitator_id: str) -> Facilitator | None:
        row = (await self._session.execute(select(orm.facilitators).where(
            orm.facilitators.c.facilitator_id == facilitator_id))).first()
        return _facilitator(row) if row else None

    async def by_username(self, username: str) -> Facilitator | None:
        row = (await self._session.execute(select(orm.facilitators).where(
            orm.facilitators.c.staff_username == username))).first()
        return _facilitator(row) if row else None

    async def all(self) -> list[Facilitator]:
        rows = await self._session.execute(select(orm.facilitators)
                                           .order_by(orm.facilitators.c.display_name))
        return [_facilitator(row) for row in rows]

    async def lock(self, facilitator_ids) -> list[Facilitator]:
        """The facilitators, locked until the transaction ends (so two bookings queue)."""
        rows = await self._session.execute(
            select(orm.facilitators).where(orm.facilitators.c.facilitator_id.in_(list(facilitator_ids)))
            .order_by(orm.facilitators.c.facilitator_id).with_for_update())
        return [_facilitator(row) for row in rows]

    async def add(self, person: Facilitator) -> None:
        await self._session.execute(insert(orm.facilitators).values(
            facilitator_id=person.facilitator_id, **_columns(person)))

    async def save(self, person: Facilitator) -> None:
        await self._session.execute(update(orm.facilitators).where(
            orm.facilitators.c.facilitator_id == person.facilitator_id).values(**_columns(person)))


def _columns(person: Facilitator) -> dict:
    return dict(display_name=person.display_name, staff_username=person.staff_username,
                languages=sorted(lang.value for lang in person.languages), region=person.region,
                capacity=person.capacity, experienced=person.experienced,
                availability=availability_json(person.availability), active=person.active)


def _facilitator(row) -> Facilitator:
    return Facilitator(row.facilitator_id, row.display_name,
                       frozenset(Language(lang) for lang in row.languages), row.region,
                       row.capacity, row.experienced, availability_from(row.availability),
                       row.staff_username, row.active)


class FacilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str | None) -> Facility | None:
        if not code:
            return None
        row = (await self._session.execute(select(orm.facilities).where(
            orm.facilities.c.code == code))).first()
        return _facility(row) if row else None

    async def all(self) -> list[Facility]:
        rows = await self._session.execute(select(orm.facilities).order_by(orm.facilities.c.code))
        return [_facility(row) for row in rows]

    async def put(self, facility: Facility) -> None:
        values = dict(region=facility.region,
                      visiting_hours=availability_json(facility.visiting_hours))
        done = await self._session.execute(update(orm.facilities).where(
            orm.facilities.c.code == facility.code).values(**values))
        if done.rowcount == 0:
            await self._session.execute(insert(orm.facilities).values(code=facility.code, **values))


def _facility(row) -> Facility:
    return Facility(row.code, availability_from(row.visiting_hours), row.region)
