"""After a service's key is rotated (``python -m vod_shared.sealing rotate``): seal again, under
its current key, everything it keeps sealed for itself, so the previous key can be retired.

Each service lists what it keeps sealed for itself (``OwnSealed``: a table, the column holding
a SealedDetails as JSON, and the column holding the id it was sealed about) and its command
(``python -m <service>.rewrap``) calls ``rewrap_store``. Values sealed by intake under a
person's key need nothing: only the reader's copy of the key (``held_keys``) is re-wrapped.
"""
from dataclasses import dataclass

import structlog
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events.people import SealedDetails
from vod_shared.keybook import KeyBook
from vod_shared.sealing import Keyring

log = structlog.get_logger("vod.rotation")


@dataclass(frozen=True)
class OwnSealed:
    table: Table
    column: str  # a SealedDetails, as JSON text (or a dict in a JSON column)
    about: str  # the column whose value the sealed value is about
    key: str  # the primary key column, to write it back


async def rewrap_store(session: AsyncSession, keyring: Keyring, *, own: list[OwnSealed],
                       keybook: KeyBook | None = None) -> dict[str, int]:
    """Seals again under the current key every value in ``own`` (and every held data key)
    that is under a previous one; returns how many per table. Idempotent: run it again after
    a crash."""
    done: dict[str, int] = {}
    if keybook is not None:
        done["held_keys"] = await keybook.rewrap(session)
    for place in own:
        table, column = place.table, place.table.c[place.column]
        count = 0
        rows = (await session.execute(select(table.c[place.key], table.c[place.about], column)
                                      .where(column.is_not(None)))).all()
        for key, about, stored in rows:
            as_json = isinstance(stored, str)
            sealed = (SealedDetails.model_validate_json(stored) if as_json
                      else SealedDetails.model_validate(stored))
            if sealed.key_id is not None or keyring.sealed_with_current_key(sealed):
                continue  # under a person's key, or already under the current one
            again = keyring.reseal(sealed, about=about)
            value = again.model_dump_json() if as_json else again.model_dump(mode="json")
            await session.execute(table.update().where(table.c[place.key] == key)
                                  .values({place.column: value}))
            count += 1
        done[f"{table.name}.{place.column}"] = count
    log.info("keys.rewrapped", service=keyring.service, counts=done)
    return done


async def rewrap_service(settings, *, migrations_dir, own: list[OwnSealed]) -> dict[str, int]:
    """The body of every service's ``python -m <service>.rewrap``: migrate the store that
    ``settings`` name, then re-wrap it (``rewrap_store``) under the service's current key."""
    from vod_shared.db import create_engine, session_factory
    from vod_shared.migrations import upgrade_to_head
    from vod_shared.sealing import KeyDirectory

    keyring = KeyDirectory(settings.effective_keys_dir()).keyring(settings.service_name)
    engine = create_engine(settings.effective_database_url())
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await upgrade_to_head(engine, migrations_dir)
        async with session_factory(engine)() as session:
            done = await rewrap_store(session, keyring, own=own, keybook=KeyBook(keyring))
            await session.commit()
        return done
    finally:
        await engine.dispose()


def rewrap_command(settings_class, *, migrations_dir, own: list[OwnSealed],
                   argv: list[str] | None = None, doc: str = "") -> int:
    """``python -m <service>.rewrap``: prints how many values were re-wrapped, per table."""
    import argparse
    import asyncio

    from vod_shared.logging import configure_logging

    name = settings_class.service_name
    argparse.ArgumentParser(prog=f"python -m {name}.rewrap",
                            description=doc.split("\n")[0]).parse_args(argv)
    settings = settings_class()
    configure_logging(service=name, fmt=settings.log_format,
                      level=settings.log_level)  # on stderr: stdout says what was done
    done = asyncio.run(rewrap_service(settings, migrations_dir=migrations_dir, own=own))
    for place, count in done.items():
        print(f"{place}: {count} re-wrapped")
    print(f"{name}: everything is under its current key; the previous one can be retired")
    return 0
