"""The first escape text's way, hop by hop, from what a kept run left (``BENCH_KEEP=1 python
bench/fanout.py N`` prints its directory): ``python bench/first_text_hops.py <dir>``.

For the escape whose text came first: screening's outbox row written (the custody webhook's
transaction) and published (its acknowledgement marked), notifications' inbox (the batch that
applied it), its deliveries planned, the text claimed, caught by the SMS catcher, its outcome
recorded; each with its time after the row was written."""
import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path


def _at(value: str) -> float:
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def hops(stack: Path) -> list[tuple[str, float]]:
    var = stack / "var"
    lines = (var / "catchers" / "sms.jsonl").read_text().splitlines()
    caught = [json.loads(line) for line in lines]
    first = min((t for t in caught if t["body"].startswith("URGENT")),
                key=lambda t: t["received_at"])
    notifications = sqlite3.connect(var / "notifications.db")
    event_id, planned, claimed, recorded = notifications.execute(
        "SELECT cause_event_id, created_at, first_attempt_at, finished_at FROM deliveries "
        "WHERE provider_id = ?", (first["sid"],)).fetchone()
    applied, = notifications.execute(
        "SELECT min(processed_at) FROM inbox WHERE event_id = ?", (event_id,)).fetchone()
    written, published = sqlite3.connect(var / "screening.db").execute(
        "SELECT created_at, published_at FROM outbox WHERE event_id = ?", (event_id,)).fetchone()
    return [("screening: custody change written (outbox row)", _at(written)),
            ("screening: published, acknowledged, marked", _at(published)),
            ("notifications: applied (its batch's clock)", _at(applied)),
            ("notifications: deliveries planned", _at(planned)),
            ("notifications: the text claimed (committed after)", _at(claimed)),
            ("catcher: the text received", _at(first["received_at"])),
            ("notifications: its outcome recorded", _at(recorded))]


if __name__ == "__main__":
    steps = hops(Path(sys.argv[1]) / "stack")
    start = steps[0][1]
    for what, at in steps:
        print(f"{1000 * (at - start):8.1f} ms  {what}")
