"""Messages from the template files: ``templates/<language>/<channel>/<template>.j2``.

An email template has two blocks, ``subject`` and ``body`` (paragraphs separated by blank
lines); the layouts beside it wrap the body with the greeting and the footer, once as plain text
and once as HTML, so the two parts always say the same. An SMS template is the whole body.
Dates are shown in the recipient's zone and language (Babel).
"""
import re
import textwrap
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.domain.facilities import facility_name

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("en", "es")


class TemplateMissing(LookupError):
    """No template for this message, channel and language."""


@dataclass(frozen=True)
class EmailMessage:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self, *, program_phone: str, directory: Path = TEMPLATES) -> None:
        self.program_phone = program_phone
        self._env = Environment(loader=FileSystemLoader(directory), undefined=StrictUndefined,
                                autoescape=select_autoescape(["html"]), keep_trailing_newline=False)

    def email(self, template: str, *, language: str, params: dict, reference: str,
              zone: ZoneInfo, given_name: str | None) -> EmailMessage:
        context = self._context(language, params, reference, zone, "long", given_name=given_name)
        source = self._template(f"{language}/email/{template}.j2")
        blocks = source.new_context(context)
        subject = " ".join("".join(source.blocks["subject"](blocks)).split())
        body = "".join(source.blocks["body"](blocks))
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
        layout = {**context, "subject": subject, "paragraphs": paragraphs}
        text = self._env.get_template(f"{language}/email/_layout.txt").render(
            {**layout, "paragraphs": [textwrap.fill(p, 76) for p in paragraphs]})
        html = self._env.get_template(f"{language}/email/_layout.html").render(layout)
        return EmailMessage(subject, text.strip() + "\n", html)

    def sms(self, template: str, *, language: str, params: dict, reference: str,
            zone: ZoneInfo) -> str:
        context = self._context(language, params, reference, zone, "medium", given_name=None)
        return " ".join(self._template(f"{language}/sms/{template}.j2").render(context).split())

    def has(self, template: str, language: str, channel: str) -> bool:
        return f"{language}/{channel}/{template}.j2" in self._env.list_templates()

    def _template(self, name: str):
        try:
            return self._env.get_template(name)
        except Exception as exc:  # jinja2's TemplateNotFound, or a syntax error in the file
            raise TemplateMissing(f"{name}: {type(exc).__name__}") from None

    def _context(self, language: str, params: dict, reference: str, zone: ZoneInfo,
                 date_format: str, *, given_name: str | None) -> dict:
        effective = params.get("effective_at")
        effective_local = datetime.fromisoformat(effective).astimezone(zone) if effective else None
        return {
            "reference": reference,
            "program_phone": self.program_phone,
            "given_name": given_name,
            "facility": facility_name(params.get("facility_code")),
            "kinds": [k for k in (params.get("kinds") or "").split(",") if k],
            "reminder": params.get("reminder") == "yes",
            "effective_date": _date(effective_local, date_format, language),
            # CLDR puts a narrow no-break space before AM/PM; a plain one reads the same.
            "effective_time": (format_time(effective_local, "short", locale=language)
                               .replace("\u202f", " ") if effective_local else None),
            "hearing_date": _date(params.get("hearing_date"), date_format, language),
            "execution_date": _date(params.get("execution_date"), date_format, language),
        }


def _date(value: datetime | str | None, date_format: str, language: str) -> str | None:
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else date.fromisoformat(value)
    return format_date(day, date_format, locale=language)
