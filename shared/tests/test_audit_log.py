"""The shared audit log's table and query helpers, as every service's ``/staff/audit`` uses them."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import MetaData, create_engine, insert, inspect, select

from vod_shared.audit_log import PAGE_SIZE, audit_log_table, page_count, utc_bound


def test_entries_get_increasing_sequence_numbers_and_the_lookups_are_indexed():
    metadata = MetaData()
    table = audit_log_table(metadata)
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    entry = {"at": datetime(2026, 3, 1, tzinfo=timezone.utc), "username": "ada",
             "action": "case.read", "outcome": "done", "case_id": "c-1", "address": "10.0.0.1",
             "method": "GET", "path": "/staff/cases/c-1", "detail": None}
    with engine.begin() as connection:
        connection.execute(insert(table), [entry, {**entry, "username": None, "outcome": "refused"}])
        rows = connection.execute(select(table.c.seq, table.c.outcome).order_by(table.c.seq)).all()
    assert rows == [(1, "done"), (2, "refused")]
    indexed = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("audit_log")}
    assert {("case_id",), ("username", "at")} <= indexed


def test_a_query_bound_in_another_zone_is_the_same_instant_in_utc():
    pacific = timezone(timedelta(hours=-8))
    bound = utc_bound(datetime(2026, 3, 1, 16, tzinfo=pacific))
    assert bound == datetime(2026, 3, 2, 0, tzinfo=timezone.utc)
    assert bound.utcoffset() == timedelta(0)
    assert utc_bound(None) is None


def test_pages_are_rounded_up_and_never_fewer_than_one():
    assert [page_count(n) for n in (0, 1, PAGE_SIZE, PAGE_SIZE + 1)] == [1, 1, 1, 2]
