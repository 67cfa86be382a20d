"""`make docs`: every service's AsyncAPI document is generated, and it names the events the
service publishes (what a team consuming them reads first)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PUBLISHED = {
    "intake": {"RequestReceived", "RegistrationReceived", "CasePaused", "CaseResumed",
               "CaseWithdrawn", "RequestRepeated", "PersonRegistered", "SupportPersonAdded",
               "SupportPersonRemoved"},
    "screening": {"EligibilityDetermined", "ScreeningCompleted", "ClearanceGranted",
                  "ClearanceDenied", "ClearanceVoided", "CustodyStatusChanged"},
    "scheduling": {"FacilitatorAssigned", "MeetingScheduled", "SessionScheduled",
                   "SessionCancelled", "SessionCompleted", "CaseClosed", "LetterReceived",
                   "LetterReviewed", "LetterKept", "LetterDelivered", "CasesLinked",
                   "CaseUnlinked"},
    "notifications": {"NotificationSent", "NotificationFailed"},
}
# the codes of an event's field, as docs/contract.md must list them after the event's type
CODES = {"SupportPersonRemovalReason": "vod.SupportPersonRemoved.v1"}
CONTRACT = Path(__file__).parents[1] / "docs" / "contract.md"
# every service publishes its staff audit entries on vod.audit
for _published in PUBLISHED.values():
    _published.add("AuditRecorded")


@pytest.mark.parametrize("service", sorted(PUBLISHED))
def test_the_asyncapi_document_names_what_the_service_publishes(service, tmp_path):
    out = tmp_path / f"{service}.json"
    keys = tmp_path / "keys"
    subprocess.run([sys.executable, "-m", "vod_shared.sealing", "init", str(keys)], check=True,
                   capture_output=True, timeout=60)
    env = {"PATH": str(Path(sys.executable).parent), "VOD_DATA_DIR": str(tmp_path / "var"),
           "VOD_KEYS_DIR": str(keys), "VICTIM_LINK_SECRET": "asyncapi-test-secret",
           "LOG_FORMAT": "json",
           # the code under test, where the caller points (a worktree), before the installed
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "faststream"), "docs", "gen",
         f"{service}.asyncapi:app", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    document = json.loads(out.read_text())
    schemas = set(document["components"]["schemas"])
    assert PUBLISHED[service] <= schemas, PUBLISHED[service] - schemas
    for codes, event_type in CODES.items():
        if codes in schemas:  # its codes, as the contract says them
            said = CONTRACT.read_text().split(f"`{event_type}`", 1)[1].split("`vod.", 1)[0]
            assert [code for code in document["components"]["schemas"][codes]["enum"]
                    if f"`{code}`" not in said] == []
    assert any(channel.get("address", "").startswith("vod.")
               for channel in document["channels"].values())
    assert any(channel.get("address") == "vod.audit" for channel in document["channels"].values())
