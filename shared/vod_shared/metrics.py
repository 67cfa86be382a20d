"""What a service exposes at ``GET /metrics``, in the Prometheus text format (0.0.4).

A small registry of its own, one per runtime (tests build several apps in one process):
``prometheus_client`` is not among the project's dependencies, and the handful of metrics
below need no more than counters, a histogram and gauges read at scrape time.

Every label value is a topic name, an event type name or an outcome word, never anything read
from a record that could name a person: a value that does not look like one of those is
counted as ``other``.
"""
import hmac
import ipaddress
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import structlog
from starlette.requests import Request

from vod_shared.events.base import UnknownEventType, model_for
from vod_shared.problems import Problem

log = structlog.get_logger("vod.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Topic names (letters, digits, '.', '_', '-'), event type names (vod.Name.vN), outcome words.
_LABEL_VALUE = re.compile(r"[A-Za-z0-9_.\-]{1,249}")
OTHER = "other"
UNKNOWN_TYPE = "unknown"
OUTCOMES = ("applied", "duplicate", "dead_lettered")
# What became of a call to a partner's webhook (intake's requests, screening's custody feed,
# the SMS provider's texts and status callbacks)
WEBHOOK_OUTCOMES = ("accepted", "rejected_signature", "invalid", "duplicate")
# Why a staff sign-in failed: wrong username, password or code; or refused while rate-limited
SIGNIN_FAILURES = ("credentials", "rate_limited")
HANDLE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Sample = tuple[tuple[str, ...], float]  # label values (in the metric's label order), value
Collect = Callable[[], Awaitable[Iterable[Sample]]]


def label_value(value: str) -> str:
    return value if _LABEL_VALUE.fullmatch(value) else OTHER


def event_type_label(type_name: str) -> str:
    """The CloudEvent type when it is one of ours; else ``unknown`` (a forged type is free text)."""
    try:
        return model_for(type_name).type_name()
    except UnknownEventType:
        return UNKNOWN_TYPE


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else f"{value:.1f}"


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    pairs = [f'{n}="{v}"' for n, v in zip(names, values)]  # values are checked: nothing to escape
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)

    def _key(self, values: Sequence[str]) -> tuple[str, ...]:
        if len(values) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}")
        return tuple(label_value(str(v)) for v in values)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[tuple[str, ...], float] = {}

    def start_at_zero(self, *labels: str) -> None:
        """Shows the series (at 0) before anything is counted, so ``increase()`` sees its
        first step."""
        self._values.setdefault(self._key(labels), 0.0)

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    async def lines(self) -> list[str]:
        return [*self.header(), *(f"{self.name}{_labels(self.label_names, k)} {_number(v)}"
                                  for k, v in sorted(self._values.items()))]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = (),
                 buckets: Sequence[float] = HANDLE_BUCKETS) -> None:
        super().__init__(name, help_text, labels)
        self._bounds = tuple(sorted(buckets))
        self._series: dict[tuple[str, ...], list[float]] = {}  # bucket counts..., sum, count

    def observe(self, value: float, *labels: str) -> None:
        series = self._series.setdefault(self._key(labels), [0.0] * (len(self._bounds) + 2))
        for i, bound in enumerate(self._bounds):
            if value <= bound:
                series[i] += 1
        series[-2] += value
        series[-1] += 1

    async def lines(self) -> list[str]:
        out = self.header()
        for key, series in sorted(self._series.items()):
            for bound, count in zip(self._bounds, series):
                le = f'le="{_number(bound)}"'
                out.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} {_number(count)}")
            inf = _labels(self.label_names, key, 'le="+Inf"')
            out.append(f"{self.name}_bucket{inf} {_number(series[-1])}")
            out.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(series[-2])}")
            out.append(f"{self.name}_count{_labels(self.label_names, key)} {_number(series[-1])}")
        return out


class Gauge(_Metric):
    """Read when scraped, from ``collect`` (an outbox count, a consumer's lag); a collector
    that fails leaves its samples out of that scrape, never the whole page."""
    kind = "gauge"

    def __init__(self, name: str, help_text: str, labels: Sequence[str], collect: Collect) -> None:
        super().__init__(name, help_text, labels)
        self._collect = collect

    async def lines(self) -> list[str]:
        out = self.header()
        try:
            samples = list(await self._collect())
        except Exception as exc:
            log.warning("metrics.collect_failed", metric=self.name, error=type(exc).__name__)
            return out
        for values, value in samples:
            out.append(f"{self.name}{_labels(self.label_names, self._key(values))} {_number(value)}")
        return out


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def add(self, metric: _Metric) -> _Metric:
        if not metric.name.startswith("vod_") or metric.name in self._metrics:
            raise ValueError(f"metric name {metric.name!r}")
        self._metrics[metric.name] = metric
        return metric

    def names(self) -> list[str]:
        """Every series name this registry exposes (a histogram's ``_bucket``, ``_sum`` and
        ``_count`` besides its own): what alert rules and dashboards may name."""
        names = []
        for name, metric in self._metrics.items():
            names.append(name)
            if isinstance(metric, Histogram):
                names += [f"{name}_bucket", f"{name}_sum", f"{name}_count"]
        return names

    async def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.extend(await metric.lines())
        return "\n".join(lines) + "\n"


class ServiceMetrics:
    """The metrics every service has; the runtime adds the gauges read at scrape time."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.dead_letters = self.registry.add(Counter(
            "vod_dead_letters_total", "Records parked in <topic>.dlq, by the topic they came from",
            ("topic",)))
        self.events_handled = self.registry.add(Counter(
            "vod_events_handled_total",
            "Events this service's consumers handled, by CloudEvent type and outcome "
            "(applied, duplicate, dead_lettered)", ("type", "outcome")))
        self.handle_seconds = self.registry.add(Histogram(
            "vod_handle_seconds", "Time to handle one event (retries and waits included), by type",
            ("type",)))
        self.webhook_requests = self.registry.add(Counter(
            "vod_webhook_requests_total", "Calls to this service's webhooks, by outcome "
            "(accepted, rejected_signature, invalid, duplicate)", ("outcome",)))
        for outcome in WEBHOOK_OUTCOMES:
            self.webhook_requests.start_at_zero(outcome)
        self.signin_failures = self.registry.add(Counter(
            "vod_signin_failures_total", "Staff sign-ins refused on this service, by reason "
            "(credentials, rate_limited); never by username", ("reason",)))
        for reason in SIGNIN_FAILURES:
            self.signin_failures.start_at_zero(reason)

    def gauge(self, name: str, help_text: str, labels: Sequence[str], collect: Collect) -> None:
        self.registry.add(Gauge(name, help_text, labels, collect))

    # what the consumers report
    def handled(self, type_name: str, outcome: str, seconds: float) -> None:
        self.events_handled.inc(type_name, outcome)
        self.handle_seconds.observe(seconds, type_name)

    def dead_lettered(self, topic: str) -> None:
        self.dead_letters.inc(topic)

    def webhook(self, outcome: str) -> None:
        self.webhook_requests.inc(outcome if outcome in WEBHOOK_OUTCOMES else OTHER)

    def signin_failed(self, reason: str) -> None:
        self.signin_failures.inc(reason if reason in SIGNIN_FAILURES else OTHER)

    async def render(self) -> str:
        return await self.registry.render()


class NoMetrics:
    """For consumers built without a runtime (tools, tests)."""

    def handled(self, type_name: str, outcome: str, seconds: float) -> None:
        pass

    def dead_lettered(self, topic: str) -> None:
        pass

    def webhook(self, outcome: str) -> None:
        pass

    def signin_failed(self, reason: str) -> None:
        pass


class WebhookCall:
    """What a webhook's handler says of a call it accepted: a replay of one already taken?"""

    duplicate = False


@contextmanager
def webhook_call(metrics: "ServiceMetrics | NoMetrics | None",
                 invalid: tuple[type[Exception], ...] = ()) -> Iterator[WebhookCall]:
    """Counts one call to a webhook in ``vod_webhook_requests_total``: a 401 problem is
    ``rejected_signature``, any other 4xx problem (or one of the ``invalid`` exceptions, which
    the app turns into one) ``invalid``, a call that went through ``accepted`` or, if the
    handler marked it so, ``duplicate``. A fault of ours (5xx) is not a partner's call outcome
    and is left to the logs."""
    metrics = metrics or NoMetrics()
    call = WebhookCall()
    try:
        yield call
    except Problem as problem:
        if problem.status == 401:
            metrics.webhook("rejected_signature")
        elif 400 <= problem.status < 500:
            metrics.webhook("invalid")
        raise
    except invalid:
        metrics.webhook("invalid")
        raise
    metrics.webhook("duplicate" if call.duplicate else "accepted")


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read ``/metrics``: with a token, whoever sends it as a bearer token (else 401);
    without one, only a client on this machine (loopback, not forwarded by a proxy; else 403)."""

    token: str | None

    def refusal(self, request: Request) -> Problem | None:
        if self.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  self.token.encode()):
                return None
            return Problem(401, "Unauthorized", "Metrics need the bearer token (METRICS_TOKEN).",
                           headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        forwarded = any(h in request.headers for h in ("x-forwarded-for", "forwarded"))
        if not forwarded and _is_loopback(request.client.host if request.client else None):
            return None
        return Problem(403, "Forbidden", "Without METRICS_TOKEN, metrics are served only on "
                                         "this machine (127.0.0.1 or ::1).")


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
