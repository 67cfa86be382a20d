"""The broker's ACLs (``vod_shared.topics.acl_entries``) are a table kept by hand: hold it against
what each service really subscribes to and publishes on, so a new subscription cannot reach
production without its rule (the service would be refused by the broker) and no service is
given more than it uses."""
import json
import os
import subprocess
import sys

import pytest

from vod_shared.topics import CONSUMES, OWNERS, acl_entries

SERVICES = ("intake", "screening", "scheduling", "notifications")
_PRINT = ("import json; from {name}.asyncapi import runtime; "
          "print(json.dumps({{'consumed': sorted(runtime.consumed), "
          "'published': sorted(runtime.published)}}))")


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_uses_exactly_the_topics_its_acls_allow(name, tmp_path):
    keys = tmp_path / "keys"
    subprocess.run([sys.executable, "-m", "vod_shared.sealing", "init", str(keys)], check=True,
                   capture_output=True, timeout=60)
    env = {"VOD_DATA_DIR": str(tmp_path / "var"), "VOD_KEYS_DIR": str(keys),
           "VICTIM_LINK_SECRET": "acl-test-secret", "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", _PRINT.format(name=name)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    used = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(used["consumed"]) == set(CONSUMES[name])
    owned = {topic for topic, owner in OWNERS.items() if owner == name}
    assert set(used["published"]) <= owned
    readable = {a.name for a in acl_entries() if a.service == name and a.operation == "read"
                and a.resource == "topic"}
    writable = {a.name for a in acl_entries() if a.service == name and a.operation == "write"}
    assert readable == set(used["consumed"])
    assert owned | {f"{topic}.dlq" for topic in used["consumed"]} == writable


def test_no_service_may_write_another_services_topic():
    for acl in acl_entries():
        if acl.operation == "write" and not acl.name.endswith(".dlq"):
            assert OWNERS[acl.name] == acl.service
