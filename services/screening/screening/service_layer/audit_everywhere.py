"""Every service's audit entries, kept for admins' one page of them all (vod.audit)."""
from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.events import AuditRecorded
from vod_shared.topics import SERVICES

from screening.service_layer.unit_of_work import UnitOfWork


async def audit_recorded(envelope: Envelope, uow: UnitOfWork) -> None:
    """Keeps one service's entry (once). Every service writes vod.audit, so no one owner is
    checked by the consumer: an entry is kept only in the name of the service that sent it."""
    told: AuditRecorded = envelope.data
    if told.service not in SERVICES or envelope.source != f"/services/{told.service}":
        raise Unprocessable(f"audit entry of {told.service[:16]!r} "
                            f"from {str(envelope.source)[:40]!r}")
    await uow.audit_everywhere.add(told)
