import json
import logging

import pytest
import structlog

from vod_shared.logging import configure_logging, redact_text


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


def test_emails_and_phone_numbers_are_masked():
    text = "write ana.lopez@example.org or call +16195550100 / (619) 555-0100 / 619-555-0100"
    masked = redact_text(text)
    assert "example.org" not in masked and "555" not in masked


def test_ids_dates_and_offsets_survive():
    text = "case 3f2c1a9e-1234-4cde-9876-123456789012 at 2026-11-23T08:00:00Z offset 1700000000123"
    assert redact_text(text) == text


def test_log_lines_never_carry_contact_details(capsys):
    configure_logging(service="test", fmt="json")
    structlog.get_logger("t").info("request.accepted", email="ana@example.org", case_id="c-1",
                                   detail="reply to ana@example.org")
    logging.getLogger("aiokafka").warning("peer +16195550100 disconnected")
    err = capsys.readouterr().err
    assert "ana@example.org" not in err and "6195550100" not in err
    first = json.loads(err.splitlines()[0])
    assert first["case_id"] == "c-1" and first["event"] == "request.accepted"
