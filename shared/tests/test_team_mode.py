"""Team mode's settings and marks, read as both sending services read them (OutboundSettings)."""
import pytest

from vod_shared.settings import OutboundSettings
from vod_shared.team_mode import (
    TEST_NOTE,
    TeamMode,
    TeamModeMisconfigured,
    mark_html,
    mark_sms,
    mark_subject,
    mark_text,
)


def test_live_is_the_default_and_sends_as_addressed(monkeypatch):
    for name in ("MESSAGES_MODE", "TEAM_EMAILS", "TEAM_PHONES"):
        monkeypatch.delenv(name, raising=False)
    assert OutboundSettings().team is None


def test_team_mode_reads_the_teams_addresses_and_phones(monkeypatch):
    monkeypatch.setenv("MESSAGES_MODE", "team")
    monkeypatch.setenv("TEAM_EMAILS", "rosa@program.example, li@program.example")
    monkeypatch.setenv("TEAM_PHONES", "+16195550999 +16195550998")
    assert OutboundSettings().team == TeamMode(
        ("rosa@program.example", "li@program.example"), ("+16195550999", "+16195550998"))


def test_team_mode_without_a_team_address_refuses_to_start(monkeypatch):
    monkeypatch.setenv("MESSAGES_MODE", "team")
    monkeypatch.setenv("TEAM_EMAILS", " ")
    with pytest.raises(TeamModeMisconfigured, match="TEAM_EMAILS"):
        OutboundSettings().team


def test_an_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("MESSAGES_MODE", "staging")
    with pytest.raises(ValueError, match="MESSAGES_MODE|messages_mode|live|team"):
        OutboundSettings()


def test_every_part_of_a_message_says_it_is_a_test():
    assert mark_subject("Your case").startswith("[TEST] ")
    assert mark_text("Hello").startswith(TEST_NOTE) and mark_text("Hello").endswith("Hello")
    html = mark_html('<html><body style="x"><p>Hola</p></body></html>')
    assert html.index(TEST_NOTE) < html.index("Hola") and html.index("<body") < html.index(TEST_NOTE)
    assert mark_sms("VOD-1: hi") == "[TEST] VOD-1: hi"
