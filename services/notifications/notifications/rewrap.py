"""``python -m notifications.rewrap``: seals again under notifications' current key what it holds.

After its key was rotated (``python -m vod_shared.sealing rotate KEYS_DIR notifications``) and
the service restarted: what it keeps sealed for itself (the text of replies) and its copies of
people's data keys (the key book) are sealed again under the current key, so that the
previous one can be retired (``... retire KEYS_DIR notifications OLD_ID``).

    python -m notifications.rewrap

The same settings as the service (``NOTIFICATIONS_DATABASE_URL``, ``VOD_KEYS_DIR``, ...);
idempotent (run it again after a crash). Prints how many values were re-wrapped, per table.
Values intake sealed under a person's key (``contacts``) need nothing: only the key book's
copy of that key is re-wrapped.
"""
import sys

from vod_shared.rotation import rewrap_command, rewrap_service

from notifications.adapters.orm import OWN_SEALED
from notifications.bootstrap import MIGRATIONS
from notifications.config import Settings

OWN = OWN_SEALED


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under notifications's current key; how many per table."""
    return await rewrap_service(settings or Settings(), migrations_dir=MIGRATIONS, own=OWN)


def main(argv: list[str] | None = None) -> int:
    return rewrap_command(Settings, migrations_dir=MIGRATIONS, own=OWN, argv=argv, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
