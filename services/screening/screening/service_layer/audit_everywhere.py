"""Every service's audit entries, kept for admins' one page of them all (vod.audit)."""
import structlog

from vod_shared.audit_log import EntryNotAuthentic, check_entry
from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.events import AuditRecorded
from vod_shared.sealing import Keyring
from vod_shared.topics import SERVICES

from screening.adapters.audit_everywhere import DISPUTED
from screening.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("screening.audit_everywhere")


def refusal(envelope: Envelope, keyring: Keyring) -> str | None:
    """Why screening does not keep this entry, or None: it must come from the service it names
    (its CloudEvent ``source``), signed by that service (``keyring``: screening's, with every
    service's public signing keys)."""
    told: AuditRecorded = envelope.data
    if told.service not in SERVICES or envelope.source != f"/services/{told.service}":
        return f"audit entry of {told.service[:16]!r} from {str(envelope.source)[:40]!r}"
    try:
        check_entry(told, keyring)
    except EntryNotAuthentic as exc:
        return f"audit entry of {told.service}: {exc}"
    return None


async def audit_recorded(envelope: Envelope, uow: UnitOfWork, *, keyring: Keyring) -> None:
    """Keeps one service's entry (once). Every service writes vod.audit, so no one owner is
    checked by the consumer: an entry is kept only in the name of the service that sent it and
    signed it (``refusal``), else it goes to the dead letters. A second, different entry with
    the same number, signed too (a service restored from a backup numbers again from where the
    backup left off), is kept beside the first, both marked disputed."""
    told: AuditRecorded = envelope.data
    refused = refusal(envelope, keyring)
    if refused is not None:
        log.warning("audit.entry_refused", service=told.service[:16], entry_seq=told.entry_seq,
                    reason=refused)
        raise Unprocessable(refused)
    if await uow.audit_everywhere.add(told) == DISPUTED:
        # both are shown, marked; the service's own log says which it wrote
        log.warning("audit.entry_disputed", service=told.service, entry_seq=told.entry_seq)
