"""The four services and the mail/SMS catchers as ``make run`` starts them: one process each,
on SQLite, against the bench's broker.

A probe takes them with ``own_stack`` (a directory, a broker, its topics and the services it
names, all stopped and removed after), or ``local_broker`` and ``started`` when it measures on
the broker before the services start (``make bench``)."""
import asyncio
import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port
from vod_shared.sealing import KeyDirectory
from vod_shared.topics import all_topics

from ceilings import _healthy

SERVICES = ("intake", "screening", "scheduling", "notifications")
BENCH = "bench"  # the bench's own process, in ``Stack.cpu_s``
# The services' interpreter: ``make bench`` gives the deployment install's (``uv sync --no-dev``,
# as the image has it), so that their memory is the image's, not the development tools' too
# (``rich``, which structlog imports when it is there: some 2 MiB a service). Unset: this one.
SERVICE_PYTHON = os.environ.get("BENCH_SERVICE_PYTHON") or sys.executable


def _secret() -> str:
    return "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()


class Stack:
    def __init__(self, bootstrap: str, workdir: Path, prefix: str, profile: str | None = None,
                 *, services: Iterable[str] = SERVICES, catchers: bool = True,
                 profiled: str = "notifications", broker_pid: int | None = None) -> None:
        self.bootstrap, self.workdir, self.prefix = bootstrap, workdir, prefix
        self.broker_pid = broker_pid  # the broker's process, whose CPU counts with the stack's
        self.services = tuple(services)
        self.catchers = catchers
        self.profile = profile  # where ``profiled`` writes its cProfile, if anywhere
        self.profiled = profiled
        self.start_s: float | None = None  # how long the start took (to every /healthz)
        self.intake_secret, self.custody_secret = _secret(), _secret()
        self.ports = {name: free_port() for name in SERVICES}
        self.smtp_port, self.sms_port = free_port(), free_port()
        KeyDirectory(workdir / "keys").init()
        self.env = {**os.environ, "VOD_KEYS_DIR": str(workdir / "keys"),
                    "VOD_DATA_DIR": str(workdir / "var"), "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "VOD_TOPIC_PREFIX": prefix, "VICTIM_LINK_SECRET": "bench-link-secret",
                    "INTAKE_WEBHOOK_SECRET": self.intake_secret,
                    "CUSTODY_WEBHOOK_SECRET": self.custody_secret,
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
                    "SMS_API_BASE": f"http://127.0.0.1:{self.sms_port}",
                    "SMS_AUTH_TOKEN": "bench-token", "LOG_FORMAT": "json",
                    "CATCHER_SMTP_PORT": str(self.smtp_port),
                    "CATCHER_HTTP_PORT": str(self.sms_port)}
        self.env |= {f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()}
        self.processes: dict[str, subprocess.Popen] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def sms_file(self) -> Path:
        return self.workdir / "var" / "catchers" / "sms.jsonl"

    @property
    def mail_file(self) -> Path:
        return self.workdir / "var" / "catchers" / "mail.jsonl"

    async def start(self) -> None:
        began = time.time()
        # A probe stopped with SIGTERM (``timeout``, a CI job) unwinds like Ctrl-C, so that its
        # ``finally`` stops these services instead of leaving them running on their own.
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        for name in (("catchers",) if self.catchers else ()) + self.services:
            module = "vod_devtools.catchers" if name == "catchers" else name
            python = sys.executable if name == "catchers" else SERVICE_PYTHON
            profiled = ["-m", "cProfile", "-o", self.profile] if (
                self.profile and name == self.profiled) else []
            with open(self.workdir / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen(
                    [python, *profiled, "-m", module], env=self.env, stdout=log,
                    stderr=subprocess.STDOUT)
        for name in self.services:
            await _healthy(f"{self.url(name)}/healthz", self.processes[name], timeout=120)
        self.start_s = time.time() - began

    def rss_mib(self) -> dict[str, float]:
        """Each service's resident memory now (VmRSS)."""
        sizes = {}
        for name in self.services:
            status = Path(f"/proc/{self.processes[name].pid}/status").read_text()
            kib = next(int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:"))
            sizes[name] = round(kib / 1024, 1)
        return sizes

    def cpu_s(self) -> dict[str, float]:
        """Each process's CPU time so far (user + system, seconds): the services, the catchers,
        the broker when the stack knows its process, and this one (``bench``: the bench's own
        requests and watches)."""
        times = {name: process_cpu_s(proc.pid) for name, proc in self.processes.items()}
        if self.broker_pid:
            times["broker"] = process_cpu_s(self.broker_pid)
        own = os.times()
        times[BENCH] = own.user + own.system
        return times

    def stop(self) -> None:
        for name, proc in self.processes.items():
            if self.profile and name == self.profiled:
                proc.send_signal(signal.SIGINT)  # uvicorn re-raises it: cProfile then writes
            else:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def process_cpu_s(pid: int) -> float:
    """A process's CPU time so far, all its threads, user + system (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def machine_cpu_s() -> tuple[float, float, float]:
    """The machine's CPU seconds so far over all its cores: (busy, stolen, all). Busy is what
    ran here (user, system, interrupts; guest time is within user time already); stolen, what
    the host gave to others while this machine wanted it (``/proc/stat``)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle, iowait, steal = ticks[3], ticks[4], ticks[7]
    return (sum(ticks) - idle - iowait - steal) / tick, steal / tick, sum(ticks) / tick


async def at_rest(stack: Stack, *, tries: int = 3, seconds: float = 1.0) -> float:
    """How much of a core the stack's processes use doing nothing (the broker's and the
    consumers' polling, the services' watches): the least of a few short looks, as what came
    before may still be finishing. The bench's own process is left out."""
    least = None
    for _ in range(tries):
        before, began = stack.cpu_s(), time.monotonic()
        await asyncio.sleep(seconds)
        after, took = stack.cpu_s(), time.monotonic() - began
        used = sum(after[n] - before[n] for n in after if n != BENCH) / took
        least = used if least is None else min(least, used)
    return least


class CpuSpent:
    """What a stretch of the bench cost in CPU: each process's seconds (``Stack.cpu_s``), how
    busy the whole machine was, and, given what the stack uses at rest (``at_rest``), how much
    of that was the stack merely being up, between ``CpuSpent(stack)`` and ``done()``."""

    def __init__(self, stack: Stack, *, at_rest_cores: float | None = None) -> None:
        self.stack, self.at_rest_cores = stack, at_rest_cores
        self.processes, self.machine = stack.cpu_s(), machine_cpu_s()
        self.began = time.monotonic()

    def done(self, units: int) -> dict:
        """Milliseconds of CPU per unit by process (every process the stack meters); the
        share of the machine's cores busy over the stretch, whoever used them, and stolen by
        the host; the stretch's length; the stack's use at rest, if known."""
        now, machine = self.stack.cpu_s(), machine_cpu_s()
        busy, stolen, whole = (machine[i] - self.machine[i] for i in range(3))
        spent = {"cpu_ms_each": {name: round(1000 * (now[name] - self.processes[name]) / units, 2)
                                 for name in now},
                 "machine_busy": round(busy / whole, 3) if whole else None,
                 "machine_stolen": round(stolen / whole, 3) if whole else None,
                 "seconds_metered": round(time.monotonic() - self.began, 2)}
        if self.at_rest_cores is not None:
            # of each unit's CPU, what the stack would have used over the stretch anyway
            spent["at_rest_cores"] = round(self.at_rest_cores, 3)
            spent["at_rest_ms_each"] = round(
                1000 * self.at_rest_cores * spent["seconds_metered"] / units, 2)
        return spent


def _exit_on_sigterm(sig: int, frame) -> None:
    raise SystemExit(128 + sig)


@asynccontextmanager
async def local_broker(workdir: Path) -> AsyncIterator[LocalKafka]:
    """A broker of its own, its data in ``workdir``; stopped after."""
    broker = LocalKafka(workdir / "kafka", free_port(), free_port())
    await broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@asynccontextmanager
async def started(bootstrap: str, workdir: Path, **options) -> AsyncIterator[Stack]:
    """A ``Stack`` (``options`` as it takes them) on topics of its own, started, stopped
    after; its logs and stores in ``workdir/stack``."""
    prefix = f"b{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, all_topics(prefix))
    (workdir / "stack").mkdir()
    stack = Stack(bootstrap, workdir / "stack", prefix, **options)
    try:
        await stack.start()
        yield stack
    finally:
        stack.stop()


@asynccontextmanager
async def own_stack(label: str, *, keep: bool = False, tell: bool = False,
                    **options) -> AsyncIterator[Stack]:
    """``started`` on a broker of its own, in a temporary directory named ``label...``,
    removed after unless ``keep``; ``tell`` prints its path on stderr first."""
    with (nullcontext(tempfile.mkdtemp(prefix=label)) if keep
          else tempfile.TemporaryDirectory(prefix=label)) as tmp:
        work = Path(tmp)
        if tell:
            print(f"in {work}", file=sys.stderr)
        async with local_broker(work) as broker, started(
                broker.bootstrap, work, broker_pid=broker.proc.pid, **options) as stack:
            yield stack
