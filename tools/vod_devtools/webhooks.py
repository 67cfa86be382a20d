"""Signing a webhook call the way a partner or the corrections department does (Standard
Webhooks), for tests and the demo."""
import uuid
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook


def signed_headers(body: bytes, secret: str, *, webhook_id: str | None = None,
                   at: datetime | None = None) -> dict[str, str]:
    """The headers of a JSON call signed with ``secret`` (``whsec_...``): a new id and the time
    now unless given (a retry sends the same id; a stale call an old time)."""
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(timezone.utc)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(webhook_id, at, body.decode()),
            "content-type": "application/json"}
