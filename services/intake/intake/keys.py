"""``python -m intake.keys``: intake's part of a key rotation, for an operator at a terminal.

    python -m intake.keys regrant notifications   # after notifications' key was rotated
    python -m intake.keys rewrap                  # after intake's key was rotated
    python -m intake.keys reindex                 # once, after upgrading to blind-index.key

``regrant READER``: every live data key given again to READER, wrapped for its current public
key. The grants go into the outbox and the running service publishes them; compaction then
drops the grants under READER's previous key. Erased subjects have no key: nothing is sent.
``rewrap``: everything intake keeps sealed under its own key (the data keys themselves,
requests waiting for confirmation, values stored before subjects had keys) sealed again under
its current key, so the previous one can be retired. ``reindex``: the keyed hashes of the
contacts of people stored before the blind index had a key of its own, made again with it.

The same settings as the service (``INTAKE_DATABASE_URL``, ``VOD_KEYS_DIR``, ...). Prints
counts; exits 2 for a reader that is given no keys.
"""
import argparse
import asyncio
import sys

from sqlalchemy import select

from vod_shared.events import SealedDetails
from vod_shared.migrations import upgrade_to_head
from vod_shared.person_keys import readers_of_keys
from vod_shared.rotation import OwnSealed, rewrap_store

from intake.adapters.orm import (
    case_notes,
    cases,
    pending_changes,
    pending_requests,
    people,
    person_lookups,
    subject_keys,
)
from intake.bootstrap import MIGRATIONS, bootstrap
from intake.config import Settings

# Sealed under intake's own key, whatever the time: (table, column, about, primary key).
OWN = [OwnSealed(subject_keys, "sealed_secret", about="key_id", key="key_id"),
       OwnSealed(pending_requests, "sealed_form", about="pending_id", key="pending_id")]
# Sealed under intake's own key if stored before subjects had keys (later ones are under a
# subject key, and need nothing); a value may also be empty (erased).
BEFORE_KEYS = [(people, "sealed", "person_id", "person_id"),
               (people, "unproven", "person_id", "person_id"),
               (cases, "sealed_details", "case_id", "case_id"),
               (case_notes, "sealed_note", "case_id", "note_id"),
               (pending_changes, "sealed_change", "change_id", "change_id")]


async def regrant(reader: str, *, settings: Settings | None = None) -> int:
    runtime, app = bootstrap(settings or Settings())
    try:
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        async with runtime.uow() as uow:
            count = await app.state.intake.context.keys.regrant(uow, reader)
            await uow.commit()
        return count
    finally:
        await runtime.engine.dispose()


async def rewrap(*, settings: Settings | None = None) -> dict[str, int]:
    runtime, app = bootstrap(settings or Settings())
    keyring = app.state.intake.context.vault.keyring
    try:
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        async with runtime.uow() as uow:
            done = await rewrap_store(uow.session, keyring, own=OWN)
            for table, column, about, key in BEFORE_KEYS:
                done[f"{table.name}.{column}"] = await _rewrap_before_keys(
                    uow.session, keyring, table, column, about, key)
            await uow.commit()
        return done
    finally:
        await runtime.engine.dispose()


async def _rewrap_before_keys(session, keyring, table, column, about, key) -> int:
    count = 0
    rows = await session.execute(select(table.c[key], table.c[about], table.c[column]))
    for row_key, subject, stored in rows.all():
        if not stored:  # erased
            continue
        sealed = SealedDetails.model_validate(stored)
        if sealed.key_id is not None or keyring.sealed_with_current_key(sealed):
            continue
        again = keyring.reseal(sealed, about=subject)
        await session.execute(table.update().where(table.c[key] == row_key)
                              .values({column: again.model_dump()}))
        count += 1
    return count


async def reindex(*, settings: Settings | None = None) -> int:
    """The keyed hash of each contact made with intake's private key (before blind-index.key),
    made again with the blind index's own key; whether it was proven stays."""
    runtime, app = bootstrap(settings or Settings())
    context = app.state.intake.context
    try:
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        count = 0
        async with runtime.uow() as uow:
            rows = (await uow.session.execute(
                select(people.c.person_id, people.c.sealed, people.c.unproven)
                .where(people.c.erased_at.is_(None), people.c.sealed.is_not(None)))).all()
            for person_id, sealed, unproven in rows:
                if not sealed:
                    continue
                details = await context.keys.open(uow, SealedDetails.model_validate(sealed),
                                                  about=person_id)
                kept_apart = await context.keys.open(uow, SealedDetails.model_validate(
                    unproven), about=person_id) if unproven else {}
                count += await _reindex_person(uow.session, context.vault, person_id,
                                               {**kept_apart, **{k: v for k, v in details.items()
                                                                 if v}})
            await uow.commit()
        return count
    finally:
        await runtime.engine.dispose()


async def _reindex_person(session, vault, person_id: str, contacts: dict) -> int:
    count = 0
    for kind in ("email", "phone"):
        value = contacts.get(kind)
        if not value:
            continue
        before = vault.lookups_before_blind_index_key(kind, value)
        new = vault.key_for(kind, value)
        changed = await session.execute(
            person_lookups.update().where(person_lookups.c.person_id == person_id,
                                          person_lookups.c.lookup.in_(before))
            .values(lookup=new, kind=kind))
        count += changed.rowcount
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake.keys",
                                     description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    again = commands.add_parser("regrant", help="give every live data key again to READER")
    again.add_argument("reader", help=f"one of {', '.join(readers_of_keys())}")
    commands.add_parser("rewrap", help="seal intake's own values again under its current key")
    commands.add_parser("reindex", help="the contacts' keyed hashes, with blind-index.key")
    args = parser.parse_args(argv)
    if args.command == "regrant":
        if args.reader not in readers_of_keys():
            print(f"{args.reader!r} is given no keys; readers: {', '.join(readers_of_keys())}",
                  file=sys.stderr)
            return 2
        count = asyncio.run(regrant(args.reader))
        print(f"{count} data keys granted again to {args.reader}; the running intake service "
              f"publishes them")
    elif args.command == "rewrap":
        done = asyncio.run(rewrap())
        print("re-sealed under intake's current key: "
              + ", ".join(f"{place} {count}" for place, count in done.items()))
    else:
        print(f"{asyncio.run(reindex())} contact hashes made again with the blind index's key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
