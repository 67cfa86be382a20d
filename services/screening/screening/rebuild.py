"""``python -m screening.rebuild``: rebuilds screening's read models from the topics.

Each case's timeline and who visits for each case (``case_timeline``, ``case_visitors``) are
read again from the beginning of vod.intake, vod.custody, vod.scheduling, vod.notifications and
screening's own vod.screening, under a consumer group of their own, into fresh tables, and
swapped in once caught up. Nothing is decided again and nothing is published: screening's own
decisions come back as the events it emitted. Its cases, custody registry, clearances, possible
duplicates and audit log are the sources of truth (backed up, never rebuilt); the work queue is
read from them.

    python -m screening.rebuild

The same settings as the service (``SCREENING_DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``, ...);
it may run while screening runs. Prints the consumer group, how many events were applied and
how many rows each table now holds.
"""
import sys

from vod_shared.rebuild import rebuild_command
from vod_shared.sealing import KeyDirectory
from vod_shared.topics import Topics

from screening.adapters.names import SERVICE
from screening.config import Settings
from screening.service_layer.rebuilding import ScreeningReadModels


def read_models(topics: Topics) -> ScreeningReadModels:
    """With screening's keyring: every audit entry is checked again, as live."""
    keyring = KeyDirectory(Settings().effective_keys_dir()).keyring(SERVICE)
    return ScreeningReadModels(topics, keyring=keyring)


def main(argv: list[str] | None = None) -> int:
    return rebuild_command(Settings, read_models, argv=argv, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
