"""``python -m scheduling.rewrap``: seals again under scheduling's current key what it holds.

After its key was rotated (``python -m vod_shared.sealing rotate KEYS_DIR scheduling``) and the
service restarted: what it keeps sealed for itself (staff's notes on a hold, resume or close)
and its copies of the data keys intake granted it (the key book) are sealed again under the
current key, so that the previous one can be retired (``... retire KEYS_DIR scheduling
OLD_ID``).

    python -m scheduling.rewrap

The same settings as the service (``SCHEDULING_DATABASE_URL``, ``VOD_KEYS_DIR``, ...);
idempotent (run it again after a crash). Prints how many values were re-wrapped, per table.
"""
import sys

from vod_shared.rotation import rewrap_command, rewrap_service

from scheduling.adapters.orm import OWN_SEALED
from scheduling.bootstrap import MIGRATIONS
from scheduling.config import Settings

OWN = OWN_SEALED


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under scheduling's current key; how many per table."""
    return await rewrap_service(settings or Settings(), migrations_dir=MIGRATIONS, own=OWN)


def main(argv: list[str] | None = None) -> int:
    return rewrap_command(Settings, migrations_dir=MIGRATIONS, own=OWN, argv=argv, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
