"""Messages from the template files: ``templates/<language>/<channel>/<template>.j2``.

An email template has two blocks, ``subject`` and ``body`` (paragraphs separated by blank
lines), and may have a ``victim_link`` block: the words before the victim's own link, shown
when there is a link to show. The layouts beside it wrap the body with the greeting and the
footer, once as plain text and once as HTML, so the two parts always say the same. An SMS
template is the whole body. Dates are shown in the recipient's zone and language (``facts.py``).

The dialogue's invitation and its cancellation carry a calendar file, worded from
``templates/<language>/calendar/session.j2``. Alerts to staff are written from
``templates/staff/`` (English: the program's staff).
"""
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.adapters.calendar import CalendarEntry, to_ics
from notifications.adapters.facts import message_facts
from vod_shared.zones import PROGRAM_ZONE

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("en", "es")
STAFF_ZONE = ZoneInfo(PROGRAM_ZONE)  # the dates in an alert read as the program's staff read them


class TemplateMissing(LookupError):
    """No template for this message, channel and language."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes
    params: tuple[tuple[str, str], ...] = ()  # of the Content-Type, e.g. method=REQUEST


@dataclass(frozen=True)
class EmailMessage:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


class Renderer:
    def __init__(self, *, program_phone: str, organizer: str | None = None,
                 directory: Path = TEMPLATES) -> None:
        self.program_phone = program_phone
        self._organizer = parseaddr(organizer or "")  # (name, address) of MAIL_FROM
        # auto_reload off: the templates ship with the code (a change comes with a restart);
        # on, every message's three or four templates were each checked on disk again
        self._env = Environment(loader=FileSystemLoader(directory), undefined=StrictUndefined,
                                autoescape=select_autoescape(["html"]), keep_trailing_newline=False,
                                auto_reload=False)

    def email(self, template: str, *, language: str, params: dict, reference: str,
              zone: ZoneInfo, given_name: str | None, victim_link: str | None = None,
              attendee: str | None = None) -> EmailMessage:
        context = self._context(language, params, reference, zone, True, given_name=given_name)
        source = self._template(f"{language}/email/{template}.j2")
        blocks = source.new_context(context)
        link_words = (_block(source, blocks, "victim_link")
                      if victim_link and "victim_link" in source.blocks else None)
        layout = {**context, "subject": _block(source, blocks, "subject"),
                  "paragraphs": _paragraphs("".join(source.blocks["body"](blocks))),
                  "victim_link": victim_link if link_words else None,
                  "victim_link_words": link_words}
        text, html = self._layouts(f"{language}/email", layout)
        attachments = ((self._calendar(language, params, context, zone, attendee),)
                       if params.get("ics_method") else ())
        return EmailMessage(layout["subject"], text, html, attachments)

    def sms(self, template: str, *, language: str, params: dict, reference: str,
            zone: ZoneInfo) -> str:
        context = self._context(language, params, reference, zone, False, given_name=None)
        return " ".join(self._template(f"{language}/sms/{template}.j2").render(context).split())

    def staff_email(self, template: str, *, params: dict, reference: str) -> EmailMessage:
        """An alert to the program's staff mailbox: the case reference and what is needed."""
        context = {"reference": reference, "alert": params, "program_phone": self.program_phone,
                   **message_facts(params, language="en", zone=STAFF_ZONE, long=True)}
        source = self._template(f"staff/{template}.j2")
        blocks = source.new_context(context)
        layout = {**context, "subject": _block(source, blocks, "subject"),
                  "paragraphs": _paragraphs("".join(source.blocks["body"](blocks)))}
        text, html = self._layouts("staff", layout)
        return EmailMessage(layout["subject"], text, html)

    def has(self, template: str, language: str, channel: str) -> bool:
        return f"{language}/{channel}/{template}.j2" in self._env.list_templates()

    def _layouts(self, folder: str, layout: dict) -> tuple[str, str]:
        text = self._env.get_template(f"{folder}/_layout.txt").render(
            {**layout, "paragraphs": [textwrap.fill(p, 76) for p in layout["paragraphs"]]})
        html = self._env.get_template(f"{folder}/_layout.html").render(layout)
        return text.strip() + "\n", html

    def _calendar(self, language: str, params: dict, context: dict, zone: ZoneInfo,
                  attendee: str | None) -> Attachment:
        source = self._template(f"{language}/calendar/session.j2")
        blocks = source.new_context(context)
        method = params["ics_method"]
        entry = CalendarEntry(
            session_id=params["session_id"], sequence=int(params["sequence"]),
            cancelled=method == "CANCEL", starts_at=datetime.fromisoformat(params["starts_at"]),
            ends_at=datetime.fromisoformat(params["ends_at"]) if params.get("ends_at") else None,
            issued_at=datetime.fromisoformat(params["issued_at"]),
            summary=_block(source, blocks, "summary"),
            description="\n\n".join(_paragraphs("".join(source.blocks["description"](blocks)))),
            location=_block(source, blocks, "location"),
            organizer=self._organizer[1] or None, organizer_name=self._organizer[0] or None,
            attendee=attendee)
        return Attachment(filename=_block(source, blocks, "filename"), maintype="text",
                          subtype="calendar", data=to_ics(entry, zone),
                          params=(("method", method), ("charset", "utf-8")))

    def _template(self, name: str):
        try:
            return self._env.get_template(name)
        except Exception as exc:  # jinja2's TemplateNotFound, or a syntax error in the file
            raise TemplateMissing(f"{name}: {type(exc).__name__}") from None

    def _context(self, language: str, params: dict, reference: str, zone: ZoneInfo,
                 long: bool, *, given_name: str | None) -> dict:
        return {"reference": reference, "program_phone": self.program_phone,
                "given_name": given_name,
                **message_facts(params, language=language, zone=zone, long=long)}


def _block(source, blocks, name: str) -> str:
    return " ".join("".join(source.blocks[name](blocks)).split())


def _paragraphs(body: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
