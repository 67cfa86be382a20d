"""``python -m screening.rewrap``: seals again under screening's current key what it holds.

After its key was rotated (``python -m vod_shared.sealing rotate KEYS_DIR screening``) and the
service restarted: its copies of the data keys intake granted it (the key book) are sealed again
under the current key, so that the previous one can be retired (``... retire KEYS_DIR
screening OLD_ID``).

    python -m screening.rewrap

The same settings as the service (``SCREENING_DATABASE_URL``, ``VOD_KEYS_DIR``, ...); idempotent
(run it again after a crash). Prints how many values were re-wrapped, per table. Screening
seals nothing for itself: the names and logistics it keeps are intake's, sealed under a
person's or a case's key, and need nothing.
"""
import sys

from vod_shared.rotation import rewrap_command, rewrap_service

from screening.bootstrap import MIGRATIONS
from screening.config import Settings

OWN = []  # nothing screening seals for itself


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under screening's current key; how many per table."""
    return await rewrap_service(settings or Settings(), migrations_dir=MIGRATIONS, own=OWN)


def main(argv: list[str] | None = None) -> int:
    return rewrap_command(Settings, migrations_dir=MIGRATIONS, own=OWN, argv=argv, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
