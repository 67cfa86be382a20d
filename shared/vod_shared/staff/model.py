"""Who a staff member is to the services, and the seam an identity provider plugs into."""
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    INTAKE = "intake"
    SCREENER = "screener"
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"
    ADMIN = "admin"
    # Reads the program's reports (figures only: no case, no name).
    DIRECTOR = "director"


@dataclass(frozen=True)
class StaffMember:
    username: str
    display_name: str
    roles: frozenset[Role]
    # Changes when the password or the second factor is reset, which ends existing sessions.
    credential_stamp: str = field(default="", repr=False, compare=False)

    def has_any_role(self, *roles: Role | str) -> bool:
        return any(Role(role) in self.roles for role in roles)


class Authenticator(Protocol):
    """Where staff identities come from: the staff file today, OpenID Connect perhaps later."""

    async def authenticate(self, username: str, password: str, code: str) -> StaffMember | None:
        """The member if all three are right and the account is enabled; None otherwise."""
        ...

    async def publish(self, directory, now) -> None:
        """Brings the staff store's accounts (``directory.AccountDirectory``) up to date with
        the source, from which every service authorizes; cheap when nothing changed."""
        ...
