"""A signed request costs the same with 10,000 people stored as with ten: every statement of
the webhook's path finds its rows through an index, never by reading a whole table
(``bench/intake_webhook.py --every 1000 --plans`` measures it over a long run)."""
from sqlalchemy import event

from ..conftest import dialogue_request


def _statements(intake) -> dict[str, object]:
    """Each statement the store runs from now on, with the parameters it last had."""
    seen: dict[str, object] = {}
    event.listen(intake.runtime.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, parameters, *_: seen.__setitem__(sql, parameters))
    return seen


async def _plans(intake, statements: dict[str, object]) -> dict[str, list[str]]:
    plans = {}
    async with intake.runtime.engine.connect() as conn:
        for sql, parameters in list(statements.items()):
            if sql.lstrip().split()[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
                one = parameters[0] if isinstance(parameters, list) else parameters
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", one)
                plans[" ".join(sql.split())[:80]] = [row[-1] for row in rows]
    return plans


async def test_no_statement_of_a_new_or_repeated_request_reads_a_whole_table(intake):
    statements = _statements(intake)
    new = dialogue_request(requester__email="first@example.org", offender__cdcr_number="AB1234")
    assert (await intake.post(new)).status_code == 202
    # the same person about the same offender again (another webhook id): it joins her case,
    # found through her contacts
    assert (await intake.post(new)).status_code == 202
    plans = await _plans(intake, statements)
    assert any(sql.startswith("SELECT cases.") for sql in plans)  # the open cases looked up
    scans = {sql: plan for sql, plan in plans.items()
             if any(line.startswith("SCAN ") for line in plan)}
    assert scans == {}
