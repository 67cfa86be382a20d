"""Topic names, in one place. One topic per producing service, keyed by case id.

A prefix (``VOD_TOPIC_PREFIX``) lets several test runs share one broker without meeting.
"""
from dataclasses import dataclass

INTAKE = "vod.intake"
PEOPLE = "vod.people"
KEYS = "vod.keys"
CUSTODY = "vod.custody"
SCREENING = "vod.screening"
SCHEDULING = "vod.scheduling"
NOTIFICATIONS = "vod.notifications"
# Every service's staff audit entries (AuditRecorded, keyed by the service's name), for the
# one page of them all that screening serves admins
AUDIT = "vod.audit"
SERVICES = ("intake", "screening", "scheduling", "notifications")

EVENT_TOPICS = (INTAKE, CUSTODY, SCREENING, SCHEDULING, NOTIFICATIONS, AUDIT)
DLQ_SUFFIX = ".dlq"
# The one service that may publish on each topic: a consumer applies an event only when its
# CloudEvent ``source`` is that service's (the custody feed comes in through screening).
OWNERS = {INTAKE: "intake", PEOPLE: "intake", KEYS: "intake", CUSTODY: "screening", SCREENING: "screening",
          SCHEDULING: "scheduling", NOTIFICATIONS: "notifications"}
# Topics every service writes (no one owner): a consumer checks there that an event's
# ``source`` is the service its data names (screening.entrypoints.audit_everywhere).
WRITTEN_BY_ALL = (AUDIT,)
# What each service consumes (its consumer groups: ``<prefix><service>`` for events and
# ``<prefix><service>-keys`` for its data keys on vod.keys). With OWNERS, this is the table
# of the broker's ACLs (``acl_entries``); a test holds it against what each service subscribes.
CONSUMES = {
    "intake": (SCREENING, SCHEDULING, NOTIFICATIONS),
    "screening": (INTAKE, PEOPLE, CUSTODY, SCHEDULING, NOTIFICATIONS, KEYS, AUDIT),
    "scheduling": (INTAKE, SCREENING, CUSTODY, PEOPLE, KEYS),
    "notifications": (INTAKE, SCREENING, SCHEDULING, CUSTODY, PEOPLE, KEYS),
}
# Own topics a service reads back, beyond what it consumes: screening's rebuild reads its
# decisions from vod.screening; intake, after a restore, its PersonErased from vod.people
# (``python -m intake.erase reapply``, without a consumer group).
READS_BACK = {"screening": (SCREENING,), "intake": (PEOPLE,)}
# The services with a rebuild command (``python -m <service>.rebuild``); it reads under groups
# ``<prefix><service>-rebuild-<UTC time>``: one PREFIXED rule per service.
REBUILDS = ("screening", "notifications")
REBUILD_GROUP_INFIX = "-rebuild-"
# Dead letters wait a week for someone to look at them (and replay them), then go: they hold
# sealed personal data that must not outlive an erasure.
_DEAD_LETTER_RETENTION = {"retention.ms": str(7 * 24 * 3600 * 1000)}

# Stores are rebuilt by replaying topics, so nothing may age out; people are compacted
# so that an erased person's key (and so their data) is really gone.
_KEEP_FOREVER = {"retention.ms": "-1"}
_COMPACTED = {"cleanup.policy": "compact"}
# Data keys: an erased subject's grants must be gone within a minute. Segments roll every 10 s
# (on the next record), intake writes a second tombstone for each erased grant once that has
# passed, and the broker's cleaner (log.cleaner.backoff.ms, 15 s by default) then removes the
# grant records; the tombstones themselves go an hour later.
KEY_COMPACTION = {"cleanup.policy": "compact", "segment.ms": "10000",
                  "min.compaction.lag.ms": "0", "max.compaction.lag.ms": "60000",
                  "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": str(3600 * 1000)}
# How long after an erasure intake writes the second tombstone (after segment.ms)
KEY_TOMBSTONE_AGAIN_AFTER_S = 12.0


@dataclass(frozen=True)
class Topics:
    prefix: str = ""

    def name(self, base: str) -> str:
        return f"{self.prefix}{base}"

    def dlq(self, topic: str) -> str:
        return f"{topic}{DLQ_SUFFIX}"

    def owner_source(self, topic: str) -> str | None:
        """The CloudEvent ``source`` of the only service allowed to publish on ``topic``."""
        base = topic[len(self.prefix):] if topic.startswith(self.prefix) else None
        owner = OWNERS.get(base) if base else None
        return f"/services/{owner}" if owner else None

    @property
    def intake(self) -> str:
        return self.name(INTAKE)

    @property
    def people(self) -> str:
        return self.name(PEOPLE)

    @property
    def keys(self) -> str:
        return self.name(KEYS)

    @property
    def custody(self) -> str:
        return self.name(CUSTODY)

    @property
    def screening(self) -> str:
        return self.name(SCREENING)

    @property
    def scheduling(self) -> str:
        return self.name(SCHEDULING)

    @property
    def notifications(self) -> str:
        return self.name(NOTIFICATIONS)

    @property
    def audit(self) -> str:
        return self.name(AUDIT)


def all_topics(prefix: str = "") -> dict[str, dict[str, str]]:
    """Every topic the system needs, with its configuration, dead-letter topics included."""
    topics = Topics(prefix)
    configs: dict[str, dict[str, str]] = {}
    for base in EVENT_TOPICS:
        configs[topics.name(base)] = dict(_KEEP_FOREVER)
        configs[topics.dlq(topics.name(base))] = dict(_DEAD_LETTER_RETENTION)
    configs[topics.people] = dict(_COMPACTED)
    configs[topics.dlq(topics.people)] = dict(_DEAD_LETTER_RETENTION)
    configs[topics.keys] = dict(KEY_COMPACTION)
    # a grant that cannot be kept is parked without its value (runtime.consume_keys)
    configs[topics.dlq(topics.keys)] = dict(_DEAD_LETTER_RETENTION)
    return configs


@dataclass(frozen=True)
class Acl:
    """One ALLOW rule on the broker for a service's user (principal ``User:<service>``)."""
    service: str
    resource: str  # "topic" or "group"
    name: str
    operation: str  # "read" or "write"
    pattern: str = "literal"  # "literal": the name itself; "prefixed": every name it starts


def acl_entries(prefix: str = "") -> list[Acl]:
    """Every rule the broker needs: each service writes its own topics (and those every service
    writes: vod.audit) and the dead letters of
    what it consumes, reads what it consumes (and the own topics it reads back), with its own
    consumer groups and, for a rebuild, its own rebuild groups; nothing else."""
    topics = Topics(prefix)
    rules: list[Acl] = []
    for service, consumed in CONSUMES.items():
        for base in (*(base for base, owner in OWNERS.items() if owner == service),
                     *WRITTEN_BY_ALL):
            rules.append(Acl(service, "topic", topics.name(base), "write"))
        for base in consumed:
            rules.append(Acl(service, "topic", topics.name(base), "read"))
            rules.append(Acl(service, "topic", topics.dlq(topics.name(base)), "write"))
        rules.append(Acl(service, "group", f"{prefix}{service}", "read"))
        if KEYS in consumed:
            rules.append(Acl(service, "group", f"{prefix}{service}-keys", "read"))
        for base in READS_BACK.get(service, ()):
            rules.append(Acl(service, "topic", topics.name(base), "read"))
        if service in REBUILDS:
            rules.append(Acl(service, "group", f"{prefix}{service}{REBUILD_GROUP_INFIX}", "read",
                             pattern="prefixed"))
    return rules
