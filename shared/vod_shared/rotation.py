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
