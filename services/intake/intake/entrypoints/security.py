"""Headers that keep intake's pages to themselves: a Content-Security-Policy with a fresh nonce
for the one inline script (the quick exit), no framing by any other site (clickjacking a
withdrawal button), no MIME sniffing, no referrer carrying a link's token elsewhere."""
import secrets

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# FastAPI's own API docs load their scripts from a CDN; they are not a victim's page.
_NOT_OURS = ("/docs", "/redoc")


def csp(nonce: str) -> str:
    return (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def harden_public_pages(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """Plain ASGI rather than ``@app.middleware("http")``, whose task and streams for each
    request cost the webhook a tenth of its CPU; the nonce is in ``request.state``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        ours = not scope["path"].startswith(_NOT_OURS)

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if ours:
                    headers["X-Frame-Options"] = "DENY"
                    # The staff sign-in pages set their own policy (with their style's nonce).
                    if (headers.get("content-type", "").startswith("text/html")
                            and "content-security-policy" not in headers):
                        headers["Content-Security-Policy"] = csp(nonce)
            await send(message)

        await self.app(scope, receive, send_hardened)
