"""Alerts to the program's staff mailbox (domain.staff says when and what). With no mailbox
configured (STAFF_ALERTS_EMAIL unset), each alert is a log line instead: the case reference and
what is needed, as the email would have said."""
from datetime import datetime

import structlog

from notifications.domain.model import Notice
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.staff_alerts")


class StaffAlerts:
    def __init__(self, mailbox: str | None = None) -> None:
        self.mailbox = mailbox or None

    async def raise_alert(self, uow: UnitOfWork, alert: Notice | None, *, cause_id: str,
                          now: datetime) -> None:
        """Plans the alert's email in the caller's transaction (at most once per cause)."""
        if alert is None:
            return
        if self.mailbox is None:
            log.warning("staff_alert.not_emailed", alert=alert.template,
                        reference=alert.reference, subject=alert.subject, **dict(alert.params),
                        hint="set STAFF_ALERTS_EMAIL to have alerts emailed to staff")
            return
        await uow.deliveries.plan(alert, cause_event_id=cause_id, now=now)
