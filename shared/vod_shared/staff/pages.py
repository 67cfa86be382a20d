"""The sign-in pages, rendered on the server (Jinja2, autoescaped); no JavaScript needed."""
import secrets

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

_templates = Environment(loader=PackageLoader("vod_shared.staff", "templates"),
                         autoescape=select_autoescape(default=True), auto_reload=False)


def render(template: str, *, status_code: int = 200, headers: dict[str, str] | None = None,
           form_action: str = "'self'", **context) -> HTMLResponse:
    """``form_action``: where this page's forms may lead, redirects included (the CSP
    ``form-action``): the sign-in form's ``next`` may be another service's host."""
    nonce = secrets.token_urlsafe(16)
    html = _templates.get_template(template).render(style_nonce=nonce, **context)
    return HTMLResponse(html, status_code=status_code, headers={
        "Cache-Control": "no-store",
        "Content-Security-Policy": (f"default-src 'none'; style-src 'nonce-{nonce}'; "
                                    f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        **(headers or {}),
    })
