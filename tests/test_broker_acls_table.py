"""The broker's ACLs (``vod_shared.topics.acl_entries``) are a table kept by hand: hold it against
what each service really subscribes to and publishes on, so a new subscription cannot reach
production without its rule (the service would be refused by the broker) and no service is
given more than it uses."""
import json
import os
import subprocess
import sys

import pytest

from vod_shared.topics import (
    CONSUMES,
    OWNERS,
    READS_BACK,
    REBUILDS,
    WRITTEN_BY_ALL,
    Topics,
    acl_entries,
)

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
    owned = {topic for topic, owner in OWNERS.items() if owner == name} | set(WRITTEN_BY_ALL)
    assert set(used["published"]) <= owned
    readable = {a.name for a in acl_entries() if a.service == name and a.operation == "read"
                and a.resource == "topic"}
    writable = {a.name for a in acl_entries() if a.service == name and a.operation == "write"}
    assert readable == set(used["consumed"]) | set(READS_BACK.get(name, ()))
    # what it reads back is its own, never another service's
    assert {OWNERS[base] for base in READS_BACK.get(name, ())} <= {name}
    assert owned | {f"{topic}.dlq" for topic in used["consumed"]} == writable


def test_no_service_may_write_another_services_topic():
    for acl in acl_entries():
        if acl.operation == "write" and not acl.name.endswith(".dlq"):
            assert acl.name in WRITTEN_BY_ALL or OWNERS[acl.name] == acl.service


def test_every_service_may_write_the_audit_topic_and_only_screening_reads_it():
    rules = acl_entries("t1.")
    assert {a.service for a in rules if a.name == "t1.vod.audit" and a.operation == "write"} \
        == set(SERVICES)
    assert {a.service for a in rules if a.name == "t1.vod.audit" and a.operation == "read"} \
        == {"screening"}


def _rebuild_projections():
    """What each ``python -m <service>.rebuild`` builds its read models with."""
    from notifications.service_layer.rebuilding import NotificationFacts
    from screening.rebuild import read_models

    return {"screening": read_models, "notifications": NotificationFacts}


@pytest.mark.parametrize("prefix", ["", "t1."])
def test_each_rebuild_reads_only_what_its_acls_allow_under_its_own_prefixed_groups(prefix):
    """``python -m <service>.rebuild`` runs as the service's own user: every topic it reads and
    every group it makes (``<group>-rebuild-<time>``) is allowed, and not one more topic."""
    from vod_shared.rebuild import REBUILD_GROUP_INFIX

    projections = _rebuild_projections()
    assert set(projections) == set(REBUILDS)
    rules = acl_entries(prefix)
    for service, projection in projections.items():
        built = projection(Topics(prefix))
        reads = set(built.topics) | set(built.own_topics)
        mine = [a for a in rules if a.service == service]
        readable = {a.name for a in mine if a.resource == "topic" and a.operation == "read"}
        assert reads <= readable
        # beyond what the service consumes, exactly what the rebuild reads
        consumed = {Topics(prefix).name(base) for base in CONSUMES[service]}
        assert readable - consumed == reads - consumed
        prefixed = [a for a in mine if a.pattern == "prefixed"]
        assert [(a.resource, a.name, a.operation) for a in prefixed] == [
            ("group", f"{prefix}{service}{REBUILD_GROUP_INFIX}", "read")]
        group = f"{prefix}{service}{REBUILD_GROUP_INFIX}20261206130000ab12"
        assert group.startswith(prefixed[0].name)


def test_no_prefixed_rule_reaches_another_services_groups():
    """A prefix ending in ``-rebuild-`` matches only that service's rebuild groups: never the
    live group (``screening``), its keys group, or another service's."""
    for acl in acl_entries():
        if acl.pattern == "prefixed":
            assert acl.resource == "group" and acl.operation == "read"
            for service in CONSUMES:
                for group in (service, f"{service}-keys"):
                    assert not group.startswith(acl.name)
                if service != acl.service:
                    assert not f"{service}-rebuild-x".startswith(acl.name)
