"""Incoming webhooks, signed by the Standard Webhooks scheme (the ``standardwebhooks`` package).

Several secrets may be active at once, so a partner's secret can be rotated without downtime.
The body is read with a size limit, and only JSON is accepted.
"""
from fastapi import Request
from standardwebhooks.webhooks import Webhook

from vod_shared.problems import Problem


def check_secrets(secrets: list[str], setting: str) -> list[str]:
    """Fails at start-up, naming the setting, if a secret is not a Standard Webhooks secret;
    otherwise every call would be refused with a 401 and nobody would know why."""
    for secret in secrets:
        try:
            Webhook(secret)
        except Exception:
            raise ValueError(f"{setting} holds a secret that is not whsec_ + base64") from None
    return secrets


async def read_signed_body(request: Request, secrets: list[str], *, max_bytes: int) -> tuple[str, bytes]:
    """Returns ``(webhook_id, raw body)``, or raises a 401/413/415/503 problem."""
    if not secrets:
        raise Problem(503, "Webhook not configured", "No signing secret is configured here.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Problem(415, "Unsupported media type", "Send the body as application/json.")
    body = await _read_limited(request, max_bytes)
    headers = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
        except Exception:  # the library raises several kinds on malformed headers
            continue
        return headers["webhook-id"], body
    raise Problem(401, "Signature not accepted",
                  "The webhook-id, webhook-timestamp and webhook-signature headers must carry a"
                  " valid signature made within the last five minutes.")


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise Problem(413, "Body too large", f"The body may be at most {max_bytes} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise Problem(413, "Body too large", f"The body may be at most {max_bytes} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
