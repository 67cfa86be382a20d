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
import argparse
import asyncio
import sys

from vod_shared.db import create_engine, session_factory
from vod_shared.logging import configure_logging
from vod_shared.migrations import upgrade_to_head
from vod_shared.rotation import rewrap_store

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.orm import OWN_SEALED
from notifications.bootstrap import MIGRATIONS
from notifications.config import Settings


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under notifications' current key; how many per
    table."""
    settings = settings or Settings()
    keys = ContactKeys(settings.effective_keys_dir())
    engine = create_engine(settings.effective_database_url())
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        async with session_factory(engine)() as session:
            done = await rewrap_store(session, keys.keyring, own=OWN_SEALED, keybook=keys.book)
            await session.commit()
        return done
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m notifications.rewrap",
                            description=__doc__.split("\n")[0]).parse_args(argv)
    settings = Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format,
                      level=settings.log_level)  # on stderr: stdout says what was done
    done = asyncio.run(rewrap(settings))
    for place, count in done.items():
        print(f"{place}: {count} re-wrapped")
    print("notifications: everything is under its current key; the previous one can be retired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
