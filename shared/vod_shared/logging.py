"""structlog, set up once per process: pretty on a terminal, JSON otherwise.

``LOG_FORMAT``: ``auto`` (coloured on a terminal, JSON otherwise), ``json``, ``console``
(key=value with colours) or ``plain`` (key=value without colour codes, for a file or a pipe:
``make run`` uses it when its output is not a terminal).

Victims' contact details must never reach a log line. Fields with personal names are dropped,
and emails and phone numbers are masked wherever they slip into a string, including the
records of third-party libraries (uvicorn, aiokafka, FastStream), which pass through here too.
"""
import logging
import re
import sys
from typing import Any

import structlog

REDACTED = "[redacted]"
PERSONAL_KEYS = frozenset(
    {"email", "phone", "given_name", "family_name", "name", "address", "notes", "to", "body"}
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# E.164, and US numbers written with or without separators.
_PHONE = re.compile(r"(?<![\w-])(\+\d[\d ().-]{7,18}\d|\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}|\d{10})(?![\w-])")


def redact_text(text: str) -> str:
    if "@" in text:  # an address has one: most fields are ids and codes, and have none
        text = _EMAIL.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: REDACTED if k in PERSONAL_KEYS else _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact(v) for v in value)
    return value


# Fields the processors before the redaction set from a level, a logger's name and the clock
_OURS = frozenset({"level", "logger", "timestamp"})


def redact_personal_data(_logger: Any, _method: str, event_dict: dict) -> dict:
    """structlog processor: masks personal data in every field of a log record (but those
    in ``_OURS``, never anyone's)."""
    return {k: v if k in _OURS else REDACTED if k in PERSONAL_KEYS else _redact(v)
            for k, v in event_dict.items()}


class OncePerWindow(logging.Filter):
    """Lets each distinct message of a chatty library through once per ``window_s`` seconds;
    the next one let through says how many like it were held back. A broker outage made
    aiokafka write a line per retry (113 a second per service, issue 16), burying what our own
    code said."""

    def __init__(self, *, libraries: tuple[str, ...], window_s: float = 30.0,
                 clock=None) -> None:
        super().__init__()
        import time

        self._libraries = libraries
        self._window_s, self._clock = window_s, clock or time.monotonic
        self._seen: dict[tuple[str, int, object], list] = {}  # -> [last let through, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] not in self._libraries:
            return True  # our own lines always go through
        key = (record.name, record.levelno, record.msg)
        now = self._clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self._window_s:
            seen[1] += 1
            return False
        held = seen[1] if seen else 0
        self._seen[key] = [now, 0]
        if len(self._seen) > 1000:  # bounded: a flood of distinct messages forgets the oldest
            self._seen.pop(next(iter(self._seen)))
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self._window_s:.0f} s)"
        return True


def drop_colour_copies(_logger: Any, _method: str, event_dict: dict) -> dict:
    """structlog processor: uvicorn adds a coloured copy of some messages (``color_message``)."""
    event_dict.pop("color_message", None)
    return event_dict


# The handler and renderer of the last ``configure_logging``: our own lines are rendered by it
# and written to its stream (a logger cached at its first line follows a new configuration)
_handler: logging.StreamHandler | None = None
_renderer: Any = None


def _render(logger: Any, method: str, event_dict: dict) -> str:
    """structlog processor, the last: the line in the format configured last."""
    return _renderer(logger, method, event_dict)


class _Direct:
    """One of our own loggers, as structlog sees it: structlog renders the line, and this writes
    it to the stream of the handler ``configure_logging`` installed, under its lock, as the
    handler would (a logger cached before logging was configured again writes where the new
    one does; with that handler no longer installed, the line goes to the standard library's
    handlers). The standard library's record (two of them, with ``ProcessorFormatter``), its
    caller lookup and its formatter were most of a line's cost (some 100 µs a line, 30 now,
    and every event a consumer applies has one). Its level is the standard library logger's,
    read live; the lines of other libraries still go through the handler."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger, self.name = logger, logger.name

    @property
    def disabled(self) -> bool:
        return self._logger.disabled

    def getEffectiveLevel(self) -> int:  # noqa: N802 - the standard library's name
        return self._logger.getEffectiveLevel()

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - the standard library's name
        return self._logger.isEnabledFor(level)

    def _write(self, level: int, line: str) -> None:
        handler = _handler
        if handler not in logging.root.handlers:
            # Logging set up another way since (a test's fixture, a probe putting back what it
            # found): the standard library's handlers take the line, as they did
            self._logger.log(level, line)
            return
        with handler.lock:
            try:
                handler.stream.write(line + handler.terminator)
                handler.flush()
            except Exception:  # as the handler does: a broken stderr never stops the service
                handler.handleError(logging.makeLogRecord({"msg": line}))

    def debug(self, line: str) -> None:
        self._write(logging.DEBUG, line)

    def info(self, line: str) -> None:
        self._write(logging.INFO, line)

    def warning(self, line: str) -> None:
        self._write(logging.WARNING, line)

    def error(self, line: str) -> None:
        self._write(logging.ERROR, line)

    def critical(self, line: str) -> None:
        self._write(logging.CRITICAL, line)

    msg, exception = info, error


def configure_logging(*, service: str, fmt: str = "auto", level: str = "INFO") -> None:
    global _handler, _renderer
    json_output = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        drop_colour_copies,
        redact_personal_data,
    ]
    renderer = _renderer = (structlog.processors.JSONRenderer() if json_output
                            else structlog.dev.ConsoleRenderer(colors=fmt != "plain"))
    handler = _handler = logging.StreamHandler(sys.stderr)
    standard = structlog.stdlib.LoggerFactory(ignore_frame_names=[__name__])
    structlog.configure(
        # A line below the level is dropped first, before the redaction reads every field
        # (the standard library would drop it after all of them; its level is read live).
        processors=[structlog.stdlib.filter_by_level, *shared, _render],
        logger_factory=lambda *args: _Direct(standard(*args)),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # FastStream gives its loggers a handler of its own (coloured, on stdout, not propagating):
    # their lines go through ours instead, redacted and in this format.
    for own in ("faststream", "faststream.access"):
        logging.getLogger(own).handlers[:] = []
        logging.getLogger(own).propagate = True
    for noisy in ("aiokafka", "kafka", "uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    handler.addFilter(OncePerWindow(libraries=("aiokafka", "kafka")))
    structlog.contextvars.bind_contextvars(service=service)
