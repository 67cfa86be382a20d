"""``make sample``: a first run with something in it.

1. The sample custody roster (``samples/custody-roster.csv``) goes into screening's registry
   through ``python -m screening.roster import``, so a first request about one of its CDCR
   numbers is decided at once (``AB1234``, in San Quentin, is eligible) instead of waiting for
   a person ("needs review"). Loading it again changes nothing.
2. With ``make run`` up, the sample facilitators and their weekly availability
   (``samples/facilitators.json``) are added through scheduling's staff API, signed in as a
   new development account ``sample-<random>`` (coordinator; its password is not shown, as
   nobody signs in with it again); a facilitator already there by name is left as it is.

    python -m vod_devtools.sample
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ROSTER = SAMPLES / "custody-roster.csv"
FACILITATORS = SAMPLES / "facilitators.json"


def load_roster(data_dir: Path, *, environ=os.environ) -> int:
    """Imports the sample roster into screening's store; the importer's exit status. A copy
    under ``data_dir`` is imported, so its list of rejected lines is written there."""
    copy = data_dir / "samples" / ROSTER.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROSTER, copy)
    return subprocess.run([sys.executable, "-m", "screening.roster", "import", str(copy)],
                          env={**environ, "VOD_DATA_DIR": str(data_dir)}, check=False).returncode


async def add_facilitators(scheduling: httpx.AsyncClient, staff_file: Path,
                           say=print) -> list[str]:
    """Adds the sample facilitators missing from a running scheduling; their names."""
    try:
        await scheduling.get("/healthz")  # up, even while it waits for the broker
    except httpx.HTTPError:
        say(f"scheduling is not up at {scheduling.base_url}: the sample facilitators are added "
            "when `make sample` runs beside `make run`.")
        return []
    # A new account each time: a one-time code is refused once used, even from a renewed
    # secret, so the same account could not sign in twice within 30 s.
    await sign_in(scheduling, add_staff(staff_file, f"sample-{uuid.uuid4().hex[:6]}",
                                        Role.COORDINATOR))
    present = {person["display_name"] for person in
               (await scheduling.get("/api/facilitators")).raise_for_status().json()}
    added = []
    for person in json.loads(FACILITATORS.read_text(encoding="utf-8")):
        if person["display_name"] not in present:
            (await scheduling.post("/api/facilitators", json=person)).raise_for_status()
            added.append(person["display_name"])
    return added


async def _add_facilitators(url: str, staff_file: Path) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=15) as client:
        return await add_facilitators(client, staff_file)


def main() -> int:
    data_dir = Path(os.environ.get("VOD_DATA_DIR") or "var").resolve()
    staff_file = Path(os.environ.get("VOD_STAFF_FILE") or data_dir / "staff.toml")
    scheduling = f"http://localhost:{os.environ.get('SCHEDULING_PORT', 8003)}"
    status = load_roster(data_dir)
    if status == 2:
        return status
    added = asyncio.run(_add_facilitators(scheduling, staff_file))
    if added:
        print(f"sample facilitators added with their weekly hours: {', '.join(added)}")
    print(f"Try the request page with CDCR number AB1234 (in San Quentin): the case is eligible."
          f"\nThe sample's other numbers and their custody: {ROSTER.relative_to(SAMPLES.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
