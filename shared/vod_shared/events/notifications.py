"""Events notifications publishes on ``vod.notifications`` (subject: the case or registration id)."""
from datetime import datetime
from typing import ClassVar

from vod_shared.events.base import EventData
from vod_shared.events.intake import Channel


class NotificationSent(EventData):
    event_name: ClassVar[str] = "NotificationSent"

    notification_id: str
    cause_event_id: str
    recipient_id: str
    channel: Channel
    template: str
    provider_id: str | None = None
    sent_at: datetime


class NotificationFailed(EventData):
    event_name: ClassVar[str] = "NotificationFailed"

    notification_id: str
    cause_event_id: str
    recipient_id: str
    channel: Channel
    template: str
    reason: str
    failed_at: datetime
