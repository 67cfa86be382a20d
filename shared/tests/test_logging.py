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
    try:
        raise ValueError("no mailbox ana@example.org, no phone +16195550100")
    except ValueError:
        structlog.get_logger("t").exception("request.failed", case_id="c-1")
    err = capsys.readouterr().err
    assert "ana@example.org" not in err and "6195550100" not in err
    assert "no mailbox [redacted]" in err  # the traceback too
    first = json.loads(err.splitlines()[0])
    assert first["case_id"] == "c-1" and first["event"] == "request.accepted"


def test_a_line_below_the_level_is_dropped_before_any_field_is_read(capsys, monkeypatch):
    import vod_shared.logging as vod_logging

    redacted = []
    real = vod_logging._redact
    monkeypatch.setattr(vod_logging, "_redact", lambda value: redacted.append(1) or real(value))
    configure_logging(service="test", fmt="json", level="WARNING")
    log = structlog.get_logger("t")
    for _ in range(100):
        log.info("event.applied", email="ana@example.org", case_id="c-1")
        log.debug("event.detail", detail="reply to ana@example.org")
    assert redacted == [] and capsys.readouterr().err == ""
    log.warning("event.odd", detail="reply to ana@example.org", case_id="c-2")
    err = capsys.readouterr().err  # a line at the level: redacted exactly as before
    assert redacted and "ana@example.org" not in err and json.loads(err)["case_id"] == "c-2"
    logging.getLogger().setLevel("INFO")  # the level is the standard library's, read live
    log.info("event.applied", email="ana@example.org", case_id="c-3")
    assert json.loads(capsys.readouterr().err)["email"] == "[redacted]"


def test_a_library_repeating_itself_during_an_outage_is_heard_once_per_window():
    import logging

    from vod_shared.logging import OncePerWindow

    now = [0.0]
    once = OncePerWindow(libraries=("aiokafka",), window_s=30.0, clock=lambda: now[0])

    def record(name: str, msg: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, (), None)

    retries = [record("aiokafka.conn", "Unable connect to node with id %s: %s")
               for _ in range(3400)]  # a 30 s outage, as measured
    assert sum(once.filter(r) for r in retries) == 1
    ours = [record("vod.outbox", "outbox.publish_failed") for _ in range(5)]
    assert all(once.filter(r) for r in ours)  # our own lines are never held back
    now[0] = 31.0
    later = record("aiokafka.conn", "Unable connect to node with id %s: %s")
    assert once.filter(later) and "and 3399 more like it" in later.msg


@pytest.mark.parametrize("fmt", ["plain", "auto"])
def test_a_log_written_to_a_file_or_pipe_has_no_colour_codes(capsys, fmt):
    # capsys' stderr is not a terminal, as a file or `make run > run.log` is not
    configure_logging(service="test", fmt=fmt)
    structlog.get_logger("t").warning("outbox.publish_failed", case_id="c-1", waiting=3)
    logging.getLogger("aiokafka").error("LeaveGroup failed")
    err = capsys.readouterr().err
    assert "\x1b[" not in err
    first = err.splitlines()[0]
    if fmt == "plain":  # key=value, as a person reads it
        assert "outbox.publish_failed" in first and "case_id=c-1" in first
    else:  # for a machine
        assert json.loads(first)["case_id"] == "c-1"
    assert "LeaveGroup failed" in err


def test_faststream_and_uvicorn_lines_come_through_ours_plain_and_redacted(capsys):
    import faststream  # noqa: F401 - it sets up its own coloured handler when imported

    configure_logging(service="test", fmt="plain")
    logging.getLogger("faststream").info("callback for Task-26 is being executed...")
    logging.getLogger("faststream").warning("reply to ana@example.org failed")
    logging.getLogger("uvicorn.error").info(
        "Finished server process [%d]", 42,
        extra={"color_message": "Finished server process [\x1b[36m%d\x1b[0m]"})
    captured = capsys.readouterr()
    everything = captured.out + captured.err
    assert "callback for Task-26" in captured.err and "Finished server process [42]" in captured.err
    assert "\x1b" not in everything and "color_message" not in everything
    assert "ana@example.org" not in everything


def test_the_console_format_asked_for_on_a_terminal_keeps_its_colours(capsys):
    configure_logging(service="test", fmt="console")
    structlog.get_logger("t").warning("outbox.publish_failed", case_id="c-1")
    assert "\x1b[" in capsys.readouterr().err


def test_a_logger_used_before_logging_was_configured_again_writes_where_the_new_one_does(
        capsys, monkeypatch):
    """Our lines skip the standard library's records but not its handler: a module's logger,
    cached at its first line, follows the handler of the last configuration."""
    import io

    configure_logging(service="test", fmt="json")
    log = structlog.get_logger("t")
    log.info("first.line", case_id="c-1")
    assert json.loads(capsys.readouterr().err)["event"] == "first.line"
    elsewhere = io.StringIO()
    monkeypatch.setattr("sys.stderr", elsewhere)
    configure_logging(service="test", fmt="json")
    log.info("second.line", email="ana@example.org")
    line = json.loads(elsewhere.getvalue())
    assert (line["event"], line["email"], line["logger"]) == ("second.line", "[redacted]", "t")


def test_a_cached_logger_takes_the_format_configured_last(capsys):
    configure_logging(service="test", fmt="json")
    log = structlog.get_logger("t")
    log.info("first.line")
    assert json.loads(capsys.readouterr().err)["event"] == "first.line"
    configure_logging(service="test", fmt="plain")
    log.info("second.line", case_id="c-1")
    err = capsys.readouterr().err
    assert "second.line" in err and "case_id=c-1" in err and not err.startswith("{")


def test_with_its_handler_taken_away_our_lines_go_to_the_handlers_there_are_now(capsys):
    """A fixture or a probe that puts back the handlers it found: our lines reach those,
    never a stream that was closed with the handler taken away."""
    import io

    configure_logging(service="test", fmt="json")
    log = structlog.get_logger("t")
    log.info("first.line")
    capsys.readouterr()
    root = logging.getLogger()
    theirs = io.StringIO()
    root.handlers[:] = [logging.StreamHandler(theirs)]
    log.warning("after.restore", email="ana@example.org")
    assert "after.restore" in theirs.getvalue() and "ana@example.org" not in theirs.getvalue()
    assert "Logging error" not in capsys.readouterr().err
