"""Rendering intake's public pages (Jinja2), in the reader's language."""
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from intake.entrypoints.i18n import TEXT, language

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"


def render(request: Request, name: str, *, lang: str, phone: str, status_code: int = 200,
           home: str | None = None, **context) -> HTMLResponse:
    """``home``: where the language switch leads. A page that answers a form post has no
    address of its own to show again in the other language; it names the page to go to."""
    if home is None:
        home = request.url.path
        if request.method != "GET" and home.startswith("/v/") and home.count("/") == 3:
            home = home.rsplit("/", 1)[0]  # /v/<token>/ask, /code: her page itself
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": TEXT[lang], "phone": phone, "home": home, **context},
        status_code=status_code)
    # Nothing about a victim should linger in a shared computer's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def message(request: Request, *, lang: str, phone: str, heading_key: str,
            paragraph_keys: tuple[str, ...] = (), status_code: int = 200, home: str | None = None,
            **values) -> HTMLResponse:
    t = TEXT[lang]
    return render(request, "message.html", lang=lang, phone=phone, status_code=status_code,
                  home=home,
                  heading=t[heading_key].format(phone=phone, **values),
                  paragraphs=[t[key].format(phone=phone, **values) for key in paragraph_keys])


def chosen_language(request: Request, fallback: str = "en") -> str:
    return language(request.query_params.get("lang"), fallback)
