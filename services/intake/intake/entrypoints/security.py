"""Headers that keep intake's pages to themselves: a Content-Security-Policy with a fresh nonce
for the one inline script (the quick exit), no framing by any other site (clickjacking a
withdrawal button), no MIME sniffing, no referrer carrying a link's token elsewhere."""
import secrets

from fastapi import FastAPI, Request

# FastAPI's own API docs load their scripts from a CDN; they are not a victim's page.
_NOT_OURS = ("/docs", "/redoc")


def csp(nonce: str) -> str:
    return (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def harden_public_pages(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        request.state.csp_nonce = secrets.token_urlsafe(16)
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith(_NOT_OURS):
            response.headers["X-Frame-Options"] = "DENY"
            # The staff sign-in pages set their own policy (with their style's nonce).
            if (response.headers.get("content-type", "").startswith("text/html")
                    and "content-security-policy" not in response.headers):
                response.headers["Content-Security-Policy"] = csp(request.state.csp_nonce)
        return response
