"""Every service's audit entries, kept for admins' one page of them all (vod.audit)."""
import structlog

from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.events import AuditRecorded
from vod_shared.topics import SERVICES

from screening.adapters.audit_everywhere import DISPUTED
from screening.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("screening.audit_everywhere")


async def audit_recorded(envelope: Envelope, uow: UnitOfWork) -> None:
    """Keeps one service's entry (once). Every service writes vod.audit, so no one owner is
    checked by the consumer: an entry is kept only in the name of the service that sent it,
    and a second, different entry with the same number is kept beside the first, both marked
    disputed (one of them was not written by that service)."""
    told: AuditRecorded = envelope.data
    if told.service not in SERVICES or envelope.source != f"/services/{told.service}":
        raise Unprocessable(f"audit entry of {told.service[:16]!r} "
                            f"from {str(envelope.source)[:40]!r}")
    if await uow.audit_everywhere.add(told) == DISPUTED:
        # both are shown, marked; the service's own log says which it wrote
        log.warning("audit.entry_disputed", service=told.service, entry_seq=told.entry_seq)
