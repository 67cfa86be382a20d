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
import argparse
import asyncio
import sys

from vod_shared.db import create_engine, session_factory
from vod_shared.logging import configure_logging
from vod_shared.migrations import upgrade_to_head
from vod_shared.rotation import OwnSealed, rewrap_store

from screening.adapters.names import NameReader
from screening.bootstrap import MIGRATIONS
from screening.config import Settings

OWN_SEALED: list[OwnSealed] = []  # nothing screening seals for itself


async def rewrap(settings: Settings | None = None) -> dict[str, int]:
    """Re-wraps the store ``settings`` name under screening's current key; how many per
    table."""
    settings = settings or Settings()
    keybook = NameReader(settings.effective_keys_dir()).keybook
    engine = create_engine(settings.effective_database_url())
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        async with session_factory(engine)() as session:
            done = await rewrap_store(session, keybook.keyring, own=OWN_SEALED, keybook=keybook)
            await session.commit()
        return done
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m screening.rewrap",
                            description=__doc__.split("\n")[0]).parse_args(argv)
    settings = Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level="WARNING")
    done = asyncio.run(rewrap(settings))
    for place, count in done.items():
        print(f"{place}: {count} re-wrapped")
    print("screening: everything is under its current key; the previous one can be retired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
