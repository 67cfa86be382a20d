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
import argparse
import asyncio
import sys

from vod_shared.db import create_engine, session_factory
from vod_shared.keybook import KeyBook
from vod_shared.logging import configure_logging
from vod_shared.migrations import upgrade_to_head
from vod_shared.rotation import rewrap_store
from vod_shared.sealing import KeyDirectory

from scheduling.adapters.orm import OWN_SEALED
from scheduling.bootstrap import MIGRATIONS, SERVICE
from scheduling.config import Settings


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under scheduling's current key; how many per
    table."""
    settings = settings or Settings()
    keyring = KeyDirectory(settings.effective_keys_dir()).keyring(SERVICE)
    engine = create_engine(settings.effective_database_url())
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        async with session_factory(engine)() as session:
            done = await rewrap_store(session, keyring, own=OWN_SEALED,
                                      keybook=KeyBook(keyring))
            await session.commit()
        return done
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m scheduling.rewrap",
                            description=__doc__.split("\n")[0]).parse_args(argv)
    settings = Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level="WARNING")
    done = asyncio.run(rewrap(settings))
    for place, count in done.items():
        print(f"{place}: {count} re-wrapped")
    print("scheduling: everything is under its current key; the previous one can be retired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
