"""Team mode (``MESSAGES_MODE=team``, GOV.UK Notify's idea): in a staging or training
deployment every email and text goes only to the program's own team (``TEAM_EMAILS``,
``TEAM_PHONES``) and says it is a test, so a training case can never reach a real person.

The services that send (notifications, and intake for the door's confirmations and codes) apply
it where a message leaves for its provider: whatever address a message was meant for, it goes
to the team instead, marked. Nothing else changes: deliveries, events and the victim's page
read as they would live.
"""
import re
from dataclasses import dataclass

LIVE, TEAM = "live", "team"
TEST_MARK = "[TEST]"
TEST_NOTE = ("TEST MESSAGE (team mode): this message went to the program's team instead of "
             "its recipient. No one outside the team received it.")


class TeamModeMisconfigured(ValueError):
    """Team mode without a team address to send to."""


@dataclass(frozen=True)
class TeamMode:
    emails: tuple[str, ...]
    phones: tuple[str, ...] = ()


def team_mode(mode: str, emails: str, phones: str) -> TeamMode | None:
    """The team to send to in ``team`` mode (None when ``live``). The lists are separated by
    commas or spaces; team mode needs at least one email address, else it refuses to start."""
    if mode == LIVE:
        return None
    team = TeamMode(_contacts(emails), _contacts(phones))
    if not team.emails:
        raise TeamModeMisconfigured("MESSAGES_MODE=team needs TEAM_EMAILS (the team's addresses)")
    return team


def mark_subject(subject: str) -> str:
    return f"{TEST_MARK} {subject}"


def mark_text(text: str) -> str:
    """A message's plain text with the test note first."""
    return f"{TEST_NOTE}\n\n{text}"


def mark_html(html: str) -> str:
    """An HTML body with the test note as its first paragraph."""
    note = f'<p style="font-weight: bold; color: #8a1f11;">{TEST_NOTE}</p>'
    marked, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + note, html, count=1)
    return marked if found else note + html


def mark_sms(body: str) -> str:
    return f"{TEST_MARK} {body}"


def _contacts(value: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,;]+", value or "") if part)
