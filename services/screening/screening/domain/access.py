"""Who may see a case: program and screening staff see every case; a facilitator sees only
the cases assigned to them (any other case does not exist for them)."""
from collections.abc import Collection

from vod_shared.staff.model import Role, StaffMember

SEE_EVERY_CASE = (Role.INTAKE, Role.SCREENER, Role.COORDINATOR, Role.ADMIN)


def may_see_case(member: StaffMember, *, assigned_accounts: Collection[str]) -> bool:
    if member.has_any_role(*SEE_EVERY_CASE):
        return True
    return member.has_any_role(Role.FACILITATOR) and member.username in assigned_accounts
