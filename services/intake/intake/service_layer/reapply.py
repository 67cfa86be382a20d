"""Erasures made again after a restore. A backup taken before an erasure brings the person's
key and details back; the erasure itself is still on ``vod.people`` (her ``PersonErased``).
Each person announced erased whom the store still holds (her details, or a key of hers or of a
case she requested) is erased again, with the reason ``reapplied_after_restore``: her key is
destroyed again, and the new ``PersonErased``, ``RegistrationCancelled`` and tombstones tell the
other services, whose restored stores hold her copies too (their committed offsets on the
broker are past the first announcement, so they would not read it again)."""
import structlog

from vod_shared.events import PersonErased
from vod_shared.runtime import ServiceRuntime

from intake.domain.commands import ErasedVia, ErasePerson, ErasureReapplied
from intake.domain.errors import PersonNotFound
from intake.service_layer.erasure import erase_person
from intake.service_layer.handlers import Context
from intake.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger()


async def still_held(uow: UnitOfWork, erased: PersonErased) -> bool:
    """Whether the store holds anything of hers that opens: her details, or a live key."""
    if await uow.people.sealed(erased.person_id) is not None:
        return True
    for subject in (erased.person_id, *erased.subjects):
        if await uow.keys.of_subject(subject) is not None:
            return True
    return False


async def reapply_erasures(announced: list[PersonErased], *, runtime: ServiceRuntime,
                           ctx: Context, by: str | None) -> list[str]:
    """Erases again everyone in ``announced`` the store still holds; the ids erased again.
    Running it twice erases nobody the second time."""
    again: list[str] = []
    for erased in _last_of_each(announced):
        async with runtime.uow() as uow:
            if not await still_held(uow, erased):
                continue
            try:
                await erase_person(ErasePerson(
                    person_id=erased.person_id, reason=ErasureReapplied.AFTER_RESTORE, by=by,
                    via=ErasedVia.RESTORE), uow, ctx)
            except PersonNotFound:  # keys of hers without her row: not made by intake
                continue
        # for staff: who (a random id) was erased again, and when first; never a detail
        log.warning("person.erasure_reapplied", person_id=erased.person_id,
                    first_erased_at=erased.at.isoformat(),
                    reason=ErasureReapplied.AFTER_RESTORE.value)
        again.append(erased.person_id)
    return again


def _last_of_each(announced: list[PersonErased]) -> list[PersonErased]:
    last: dict[str, PersonErased] = {}
    for erased in announced:
        last[erased.person_id] = erased
    return list(last.values())
