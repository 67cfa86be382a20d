"""``python -m intake.erase``: the staff API's erasure, for an operator at a terminal.

    python -m intake.erase --person PERSON_ID --reason person_asked --by ines
    python -m intake.erase --case CASE_ID --reason legal_order --by ines
    python -m intake.erase reapply [--by ines]     # after a restore (vod_shared.backup runs it)

It writes to intake's store as the service would (the person's keys and her cases' keys are
destroyed; ``PersonErased`` and the tombstones go into the outbox and the running service
publishes them, and writes the tombstones again a few seconds later); the same settings as the service (``INTAKE_DATABASE_URL``,
``VOD_KEYS_DIR``, ...). Prints the person id erased; exits 1 when there is no such person or case.

``reapply`` reads every ``PersonErased`` intake announced on vod.people and erases again each of
those people a restored store still holds (reason ``reapplied_after_restore``; each is logged
as ``person.erasure_reapplied``). Prints how many; running it again erases nobody.
"""
import argparse
import asyncio
import sys

from vod_shared.migrations import upgrade_to_head

from intake.adapters.erasures_announced import erasures_announced
from intake.bootstrap import MIGRATIONS, bootstrap
from intake.config import Settings
from intake.domain.commands import ErasedVia, ErasePerson, ErasureReason
from intake.domain.errors import CaseNotFound, PersonNotFound
from intake.service_layer import handlers
from intake.service_layer.reapply import reapply_erasures


async def erase(*, person: str | None, case: str | None, reason: ErasureReason, by: str,
                settings: Settings | None = None) -> str:
    runtime, app = bootstrap(settings or Settings())
    try:
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        if case:
            async with runtime.uow() as uow:
                person = await handlers.requester_of(case, uow)
        return await app.state.intake.handle(ErasePerson(person_id=person, reason=reason, by=by,
                                                         via=ErasedVia.COMMAND_LINE))
    finally:
        await runtime.engine.dispose()


async def reapply(*, by: str | None, settings: Settings | None = None) -> tuple[int, list[str]]:
    """(how many erasures are on the topic, the people erased again)."""
    settings = settings or Settings()
    runtime, app = bootstrap(settings)
    try:
        await upgrade_to_head(runtime.engine, MIGRATIONS)
        announced = await erasures_announced(settings)
        intake = app.state.intake
        return len(announced), await reapply_erasures(announced, runtime=intake.runtime,
                                                      ctx=intake.context, by=by)
    finally:
        await runtime.engine.dispose()


def reapply_main(argv: list[str]) -> int:
    from vod_shared.logging import configure_logging

    parser = argparse.ArgumentParser(prog="python -m intake.erase reapply",
                                     description="erase again, after a restore, everyone "
                                                 "announced erased on vod.people")
    parser.add_argument("--by", help="your staff username (for the audit line)")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format,
                      level=settings.log_level)
    announced, again = asyncio.run(reapply(by=args.by, settings=settings))
    print(f"{announced} erasures on {settings.topics.people}; erased again: {len(again)}"
          + "".join(f"\n  {person_id}" for person_id in again))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["reapply"]:
        return reapply_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m intake.erase", description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--person", help="the person id")
    which.add_argument("--case", help="a case id: its requester is erased")
    parser.add_argument("--reason", required=True, choices=[r.value for r in ErasureReason])
    parser.add_argument("--by", required=True, help="your staff username (for the audit line)")
    args = parser.parse_args(argv)
    try:
        erased = asyncio.run(erase(person=args.person, case=args.case,
                                   reason=ErasureReason(args.reason), by=args.by))
    except (PersonNotFound, CaseNotFound):
        print("no such person or case", file=sys.stderr)
        return 1
    print(f"erased {erased}; PersonErased is published by the running intake service")
    return 0


if __name__ == "__main__":
    sys.exit(main())
