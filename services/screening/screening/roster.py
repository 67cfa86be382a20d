"""``python -m screening.roster import FILE.csv``: load a roster of custody records into the
registry (see ``screening.entrypoints.roster``). Exit status: 0 all lines taken, 1 some lines
rejected (listed in ``FILE.rejected.csv``), 2 the file could not be read."""
import argparse
import asyncio
import sys
from pathlib import Path

from vod_shared.logging import configure_logging
from vod_shared.migrations import upgrade_to_head
from vod_shared.runtime import ServiceRuntime

from screening.bootstrap import MIGRATIONS, custody_recorder
from screening.config import Settings
from screening.entrypoints.roster import RosterResult, UnreadableRoster, import_roster
from screening.service_layer.unit_of_work import UnitOfWork


class ProgressBar:
    """``[#########...........]  45%  450/1000 lines`` on a terminal; quiet otherwise."""

    def __init__(self, stream=sys.stderr, width: int = 30) -> None:
        self._stream, self._width = stream, width
        self._live = stream.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        if not self._live or (percent == self._shown and done != total):
            return
        self._shown = percent
        filled = self._width * done // total if total else self._width
        self._stream.write(f"\r[{'#' * filled}{'.' * (self._width - filled)}] {percent:3d}%"
                           f"  {done}/{total} lines")
        if done == total:
            self._stream.write("\n")
        self._stream.flush()


async def load(path: Path, settings: Settings, *, progress=None) -> RosterResult:
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    try:
        if runtime.engine.dialect.name == "sqlite":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        record_change = custody_recorder(runtime, settings.topics)
        return await import_roster(path, record_change, progress=progress or ProgressBar())
    finally:
        await runtime.engine.dispose()


def summary(path: Path, result: RosterResult, custody_topic: str) -> str:
    return "\n".join((
        f"{path}: {result.read} lines read",
        f"  accepted: {result.accepted} (recorded in the registry, each announced on"
        f" {custody_topic})",
        f"  unchanged: {result.unchanged} (the registry already had them, or something newer)",
        f"  rejected: {result.rejected} (with reasons in {result.rejected_path})",
        "The screening service publishes the accepted changes from its outbox.",
    ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screening.roster",
                                     description="Load custody records into the registry.")
    commands = parser.add_subparsers(dest="command", required=True)
    load_command = commands.add_parser("import", help="load a CSV roster: " "cdcr_number,status,"
                                       "facility_code,effective_at")
    load_command.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level="WARNING")
    try:
        result = asyncio.run(load(args.file, settings))
    except (UnreadableRoster, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    print(summary(args.file, result, settings.topics.custody))
    return 1 if result.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
