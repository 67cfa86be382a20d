"""``python -m notifications.rebuild``: rebuilds notifications' facts about cases and people.

The cases and their state, the registrations for custody notices, the custody changes reported,
people's sealed contacts and who was erased (``cases``, ``registrations``, ``custody_changes``,
``contacts``, ``erased_people``) are read again from the beginning of vod.intake, vod.screening,
vod.scheduling, vod.custody and vod.people, under a consumer group of their own, into fresh
tables, and swapped in once caught up. No message is planned or sent and nothing is published.
The deliveries, their settlements, SMS opt-outs and inbound texts, the key book and the inbox
and outbox are the sources of truth (backed up, never rebuilt).

    python -m notifications.rebuild

The same settings as the service (``NOTIFICATIONS_DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``,
...); it may run while notifications runs. Prints the consumer group, how many events were
applied and how many rows each table now holds.
"""
import sys

from vod_shared.rebuild import rebuild_command

from notifications.config import Settings
from notifications.service_layer.rebuilding import NotificationFacts


def main(argv: list[str] | None = None) -> int:
    return rebuild_command(Settings, NotificationFacts, argv=argv, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
