"""A real single-node Apache Kafka (KRaft, broker+controller in one JVM) from the official jars.

No Docker on our machines: Maven resolves `org.apache.kafka:kafka_2.13` (see tools/kafka/pom.xml)
and we run `kafka.Kafka` with that classpath. The CLI lives in `vod_devtools._kafka_cli`:

    python -m vod_devtools.kafka fetch     # resolve the jars (make setup)
    python -m vod_devtools.kafka run       # broker in the foreground + project topics
"""

from __future__ import annotations

import asyncio
import base64
import logging
import subprocess
import sys
import time
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from vod_devtools._kafka_setup import (
    KAFKA_FILES,
    cache_dir,
    fetch_classpath,
    require_tool,
    server_properties,
)
from vod_devtools.net import free_port, port_in_use
from vod_devtools.parent_death import signal_on_parent_death

__all__ = ["LocalKafka", "ensure_topics", "fetch_classpath", "free_port", "cache_dir"]

log = logging.getLogger(__name__)


class LocalKafka:
    """One KRaft node on 127.0.0.1: `await start()`, then `stop()`; or `async with`."""

    def __init__(
        self,
        data_dir: Path,
        port: int = 9092,
        controller_port: int = 9093,
        *,
        foreground: bool = False,
        heap: str = "512m",
        users: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port, self.controller_port = port, controller_port
        # foreground: the broker logs to our stdout instead of <data_dir>/kafka.log.
        self.foreground = foreground
        self.heap = heap
        # SCRAM users (name -> password), "admin" among them: the broker then takes only them
        # and checks ACLs (see server_properties); None: PLAINTEXT, no authorization
        self.users = users
        self.proc: subprocess.Popen | None = None
        self._java_cmd: list[str] = []

    def client_options(self, user: str) -> dict:
        """aiokafka's connection options for ``user`` (nothing on a PLAINTEXT broker)."""
        if self.users is None:
            return {}
        return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_plain_username": user, "sasl_plain_password": self.users[user]}

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "kafka.log"

    def _write_config(self) -> Path:
        path = self.data_dir / "server.properties"
        admin = (self.users or {}).get("admin") if self.users is not None else None
        if self.users is not None and admin is None:
            raise ValueError("a secured broker needs an 'admin' user")
        path.write_text(server_properties(self.data_dir, self.port, self.controller_port,
                                          admin_password=admin))
        return path

    def _java_base(self) -> list[str]:
        if not self._java_cmd:  # resolved once; a missing java/mvn exits with the install hint
            self._java_cmd = [
                require_tool("java"),
                f"-Xmx{self.heap}",
                "-Xms256m",
                f"-Dlog4j2.configurationFile={KAFKA_FILES / 'log4j2.properties'}",
                "-cp",
                fetch_classpath(),
            ]
        return self._java_cmd

    def _java(self, main: str, *args: str) -> list[str]:
        return [*self._java_base(), main, *args]

    def _format_if_needed(self, config: Path) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        # Kafka's cluster ids are url-safe base64 UUIDs; it refuses ones starting with '-'.
        cluster_id = "-"
        while cluster_id.startswith("-"):
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = [arg for name, password in (self.users or {}).items() for arg in (
            "--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")]
        cmd = self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config),
                         *scram)
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"kafka storage format failed:\n{result.stdout}{result.stderr}")

    async def start(self, timeout: float = 90.0) -> float:
        """Format if needed, launch the JVM, wait until metadata requests work; returns seconds."""
        began = time.monotonic()
        self._java_base()  # java and the jars first: their errors say how to fix them
        for port in (self.port, self.controller_port):
            if port_in_use(port):
                raise RuntimeError(f"port {port} is already in use (another broker running?)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        self._format_if_needed(config)
        out = None if self.foreground else open(self.log_file, "ab")
        try:
            self.proc = subprocess.Popen(
                self._java("kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.data_dir,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the broker in order
                preexec_fn=signal_on_parent_death,  # a crashed run leaves no broker on its ports
            )
        finally:
            if out is not None:
                out.close()  # the child holds its own descriptor
        try:
            await self._wait_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        elapsed = time.monotonic() - began
        log.info("kafka ready on %s in %.1fs", self.bootstrap, elapsed)
        return elapsed

    async def _wait_ready(self, deadline: float) -> None:
        # An open port is not enough: the broker must answer metadata and list itself.
        # aiokafka logs every refused connection at ERROR; while we poll, those are expected.
        aiokafka_log = logging.getLogger("aiokafka")
        level = aiokafka_log.level
        aiokafka_log.setLevel(logging.CRITICAL)
        try:
            await self._poll_ready(deadline)
        finally:
            aiokafka_log.setLevel(level)

    async def _poll_ready(self, deadline: float) -> None:
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kafka exited with {self.proc.returncode}{self._tail()}")
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000,
                                        **self.client_options("admin"))
            try:
                await asyncio.wait_for(admin.start(), 5)
                cluster = await asyncio.wait_for(admin.describe_cluster(), 5)
                if cluster.get("brokers"):
                    return
            except Exception as exc:  # not up yet: connection refused, timeouts, ...
                last_error = exc
            finally:
                await admin.close()
            await asyncio.sleep(0.5)
        raise TimeoutError(f"kafka not ready on {self.bootstrap}: {last_error!r}{self._tail()}")

    def _tail(self, lines: int = 40) -> str:
        if self.foreground or not self.log_file.exists():
            return ""
        text = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        return f"\n--- last lines of {self.log_file} ---\n" + "\n".join(text)

    def wait(self) -> int:
        """Block until the broker exits; returns its exit code."""
        return self.proc.wait() if self.proc else 0

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM (controlled shutdown), then SIGKILL after `grace` seconds. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            log.warning("kafka did not stop within %.0fs; killing it", grace)
            proc.kill()
            proc.wait()

    def discard(self) -> None:
        """SIGKILL, for a broker whose data directory is removed next (a test run's): a
        controlled shutdown of the thousands of partitions a run creates took the whole 20 s
        grace at the end of every run, for nothing kept. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    async def __aenter__(self) -> LocalKafka:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop()


async def ensure_topics(bootstrap: str, topics: dict[str, dict], partitions: int = 3,
                        **client_options) -> None:
    """Create each topic with its config; topics that already exist are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        new = [
            NewTopic(name, partitions, 1, topic_configs={k: str(v) for k, v in cfg.items()})
            for name, cfg in topics.items()
        ]
        response = await admin.create_topics(new)
        # create_topics does not raise: errors come back per topic as (name, code, [message]).
        for name, code, *rest in response.topic_errors:
            if code and for_code(code) is not TopicAlreadyExistsError:
                raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")
    finally:
        await admin.close()


if __name__ == "__main__":
    from vod_devtools._kafka_cli import main

    sys.exit(main())


_RESOURCE_TYPES = {"topic": 2, "group": 3}
_OPERATIONS = {"read": 3, "write": 4, "describe": 8}
_PATTERNS = {"literal": 3, "prefixed": 4}
_ALLOW = 3


async def create_acls(bootstrap: str, acls, **client_options) -> int:
    """Creates each ALLOW rule (``vod_shared.topics.Acl``) for ``User:<service>``, as the admin
    user of ``client_options``; rules already there are kept (creating one twice is a no-op).
    aiokafka's admin client has no ACL call: the CreateAcls request (API 30) is sent as is."""
    from aiokafka.protocol.admin import CreateAclsRequest

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        for acl in acls:
            request = CreateAclsRequest(
                _RESOURCE_TYPES[acl.resource], acl.name, _PATTERNS[acl.pattern], f"User:{acl.service}", "*",
                _OPERATIONS[acl.operation], _ALLOW)
            response = await admin._send_request(request)
            for code, message in response.creation_responses:
                if code:
                    raise for_code(code)(f"ACL {acl}: {message}")
        return len(acls)
    finally:
        await admin.close()
