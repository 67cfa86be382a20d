"""`python -m vod_devtools.kafka {run,fetch,topics}`: the local broker for `make run` and
`make setup`, and the project's topics on any broker (docker-compose's `topics` job)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from pathlib import Path

from vod_devtools._kafka_setup import require_tool
from vod_devtools.kafka import LocalKafka, create_acls, ensure_topics, fetch_classpath
from vod_devtools.net import connections_to

# honcho stops every process of `make run` at once and kills what is left 5 s after the first
# one exits: the broker waits this long for the services to leave, so that their consumers'
# LeaveGroup and last commits reach it instead of failing in red.
CLIENTS_LEAVE_WITHIN_S = 3.5


def _default_port() -> int:
    # Services find the broker through KAFKA_BOOTSTRAP_SERVERS; start it where they will look.
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    return int(bootstrap.split(",")[0].rsplit(":", 1)[1]) if ":" in bootstrap else 9092


def _project_topics(prefix: str) -> dict[str, dict]:
    # Imported lazily: devtools must not depend on the project package to fetch jars.
    try:
        from vod_shared.topics import all_topics
    except ImportError as exc:
        raise SystemExit(
            f"cannot import vod_shared.topics.all_topics ({exc}); "
            "run `uv sync` from the repository root"
        ) from exc
    return all_topics(prefix)


async def _race(coro, stop: asyncio.Event) -> bool:
    """Run `coro` unless `stop` is set first (then cancel it). True if `coro` finished."""
    task, stopper = asyncio.ensure_future(coro), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        return False
    task.result()  # re-raise the coroutine's error, if any
    return True


async def wait_for_clients_to_leave(port: int, *, within: float = CLIENTS_LEAVE_WITHIN_S,
                                    connections=connections_to, poll: float = 0.1) -> bool:
    """Waits until nothing is connected to the broker's ``port`` any more (the services have
    stopped), for at most ``within`` seconds; True if they left in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while connections(port):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(poll)
    return True


async def _run(args: argparse.Namespace) -> int:
    kafka = LocalKafka(args.data_dir, args.port, args.controller_port, foreground=True)
    topics = _project_topics(args.topic_prefix)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def start() -> None:
        elapsed = await kafka.start()
        await ensure_topics(kafka.bootstrap, topics)
        print(
            f"kafka ready on {kafka.bootstrap} in {elapsed:.1f}s ({len(topics)} topics)", flush=True
        )

    try:
        if not await _race(start(), stop):
            return 0
        if await _race(asyncio.to_thread(kafka.wait), stop):
            code = kafka.wait()
            print(f"kafka exited on its own with code {code}", flush=True)
            return code or 1
        return 0
    finally:
        if stop.is_set() and kafka.proc is not None:
            await wait_for_clients_to_leave(kafka.port)
        kafka.stop()  # SIGTERM → controlled shutdown; Ctrl-C therefore exits 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vod_devtools.kafka", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="resolve the Kafka jars with Maven (cached)")
    run = sub.add_parser("run", help="run the broker in the foreground and create the topics")
    run.add_argument("--data-dir", type=Path, default=Path("var/kafka"))
    run.add_argument("--port", type=int, default=_default_port())
    run.add_argument("--controller-port", type=int, default=None, help="default: --port + 1")
    run.add_argument("--topic-prefix", default=os.environ.get("VOD_TOPIC_PREFIX", ""))
    topics = sub.add_parser("topics", help="create the project's topics on a running broker")
    topics.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"))
    topics.add_argument("--partitions", type=int, default=6)
    topics.add_argument("--topic-prefix", default=os.environ.get("VOD_TOPIC_PREFIX", ""))
    topics.add_argument("--acls", action="store_true",
                        help="also give each service's user its ACLs (vod_shared.topics.acl_entries)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "fetch":
        cp = fetch_classpath()
        print(f"kafka jars ready ({len(cp.split(os.pathsep))} jars)")
        return 0
    if args.command == "topics":
        # As the admin user when KAFKA_SECURITY_PROTOCOL etc. say so (docker-compose's job)
        from vod_shared.settings import kafka_client_options

        options = kafka_client_options(
            os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
            os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            os.environ.get("KAFKA_USERNAME"), os.environ.get("KAFKA_PASSWORD"),
            Path(os.environ["KAFKA_CA_FILE"]) if os.environ.get("KAFKA_CA_FILE") else None)
        wanted = _project_topics(args.topic_prefix)
        asyncio.run(ensure_topics(args.bootstrap, wanted, partitions=args.partitions, **options))
        print(f"{len(wanted)} topics present on {args.bootstrap}")
        if args.acls:
            from vod_shared.topics import acl_entries

            count = asyncio.run(create_acls(args.bootstrap, acl_entries(args.topic_prefix),
                                            **options))
            print(f"{count} ACL rules for the services' users on {args.bootstrap}")
        return 0
    require_tool("java")  # fail with the install hint before any asyncio machinery
    fetch_classpath()
    if args.controller_port is None:
        args.controller_port = args.port + 1
    return asyncio.run(_run(args))
