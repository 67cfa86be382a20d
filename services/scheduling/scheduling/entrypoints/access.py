"""Who may do what in scheduling."""
from vod_shared.events import ActedBy
from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember, require_roles
from vod_shared.staff.workspace import roles_for

STAFF = require_roles(Role.COORDINATOR, Role.FACILITATOR, Role.ADMIN)
# Who reads scheduling's pages (the workspace header offers them the same): its staff, and
# screeners, who read a case's schedule and change nothing.
READERS = require_roles(*roles_for("scheduling"))
ACTS = (Role.COORDINATOR, Role.FACILITATOR, Role.ADMIN)
COORDINATORS = require_roles(Role.COORDINATOR, Role.ADMIN)
ACTS_FOR = (ActedBy.FACILITATOR, ActedBy.OFFENDER, ActedBy.DIRECTOR)


def may_act_as(staff: StaffMember, by: ActedBy) -> ActedBy:
    """A facilitator records their own or the offender's choice; the director's is a
    coordinator's to record. The victim's choices go through intake."""
    if by not in ACTS_FOR:
        raise Problem(422, "Not here", "The victim pauses, resumes or withdraws through intake.",
                      errors=[{"field": "by", "detail": "facilitator, offender or director"}])
    if by is ActedBy.DIRECTOR and not staff.has_any_role(Role.COORDINATOR, Role.ADMIN):
        raise Problem(403, "Not allowed", "Only a coordinator records the director's decision.")
    return by
