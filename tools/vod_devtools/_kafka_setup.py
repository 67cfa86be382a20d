"""Before the broker runs: its jars (Maven, from tools/kafka/pom.xml, classpath cached) and its
server.properties."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from vod_devtools.one_at_a_time import one_at_a_time

log = logging.getLogger("vod_devtools.kafka")

KAFKA_VERSION = "4.1.1"
KAFKA_FILES = Path(__file__).resolve().parent.parent / "kafka"  # tools/kafka: pom + log4j2 config
INSTALL_HINT = "On Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven"


def require_tool(tool: str) -> str:
    """The tool's path, or exit with a message naming what is missing and how to install it."""
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"`{tool}` is not on PATH; the local Kafka needs it. {INSTALL_HINT}")
    return path


def cache_dir() -> Path:
    base = Path(os.environ.get("VOD_CACHE_DIR") or Path.home() / ".cache" / "vod")
    return base / f"kafka-{KAFKA_VERSION}"


def fetch_classpath() -> str:
    """The broker's classpath; runs Maven only when the cached file is missing or stale (one
    process at a time: test workers starting together resolve it once)."""
    cp_file = cache_dir() / "classpath.txt"
    cp = _cached_classpath(cp_file)
    if cp:
        return cp
    cp_file.parent.mkdir(parents=True, exist_ok=True)
    with one_at_a_time(cp_file.with_suffix(".lock")):
        return _cached_classpath(cp_file) or _resolve_classpath(cp_file)


def _cached_classpath(cp_file: Path) -> str | None:
    if cp_file.exists():
        cp = cp_file.read_text().strip()
        # A wiped ~/.m2 leaves a classpath naming jars that are gone: resolve again then.
        if cp and all(Path(jar).exists() for jar in cp.split(os.pathsep)):
            return cp
    return None


def _resolve_classpath(cp_file: Path) -> str:
    mvn = require_tool("mvn")
    tmp = cp_file.with_suffix(".tmp")
    log.info("resolving Kafka %s jars with Maven (first time only)", KAFKA_VERSION)
    result = subprocess.run(
        [mvn, "-q", "-B", "dependency:build-classpath", f"-Dmdep.outputFile={tmp}"],
        cwd=KAFKA_FILES,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"mvn failed to resolve the Kafka jars:\n{result.stdout}{result.stderr}")
    tmp.replace(cp_file)  # atomic: a half-written file never looks like a cache hit
    return cp_file.read_text().strip()


def server_properties(data_dir: Path, port: int, controller_port: int, *,
                      admin_password: str | None = None) -> str:
    """A single KRaft node (broker + controller) on 127.0.0.1, tuned for development and tests.
    With ``admin_password``: the client listener takes only SASL/SCRAM users and every request
    is checked against ACLs (the production shape's broker, on loopback); ``admin`` is the
    super user that creates topics, users' ACLs and reads dead letters."""
    p, c = port, controller_port
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # Static quorum: Kafka 4.1 refuses `format --standalone` together with quorum.voters.
        "controller.quorum.voters": f"1@127.0.0.1:{c}",
        "listeners": f"PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{p}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir / "logs"),
        # One node: every internal topic must live with a single replica.
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",  # one partition is created much faster than 50
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "min.insync.replicas": "1",
        # Tests: no 3 s wait before the first rebalance, and short consumer sessions allowed.
        "group.initial.rebalance.delay.ms": "0",
        "group.min.session.timeout.ms": "1000",
        # Topics are declared by the code (ensure_topics); a typo must fail, not create one.
        "auto.create.topics.enable": "false",
        # Compaction looks for work every 5 s (default 15 s): an erased person's data keys
        # leave vod.keys within the minute the contract promises.
        "log.cleaner.backoff.ms": "5000",
    }
    if admin_password is not None:
        props |= {
            "listeners": f"SASL_PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}",
            "advertised.listeners": f"SASL_PLAINTEXT://127.0.0.1:{p}",
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="admin" password="{admin_password}";',
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            # the controller listener is loopback-only and unauthenticated (ANONYMOUS)
            "super.users": "User:admin;User:ANONYMOUS",
            "allow.everyone.if.no.acl.found": "false",
        }
    return "".join(f"{k}={v}\n" for k, v in props.items())
