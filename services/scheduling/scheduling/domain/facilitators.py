"""Facilitators, and the program's way of choosing them for a case.

One or two a case: a victim who speaks Spanish gets a facilitator who does; the least loaded
go first; someone new to the work is paired with an experienced colleague. When nobody can
take the case it waits, visibly, on the wait list.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vod_shared.events import Language

from scheduling.domain.availability import Availability
from scheduling.domain.errors import InvalidSchedule


@dataclass
class Facilitator:
    facilitator_id: str
    display_name: str
    languages: frozenset[Language] = frozenset({Language.EN})
    region: str | None = None
    capacity: int = 4  # how many open cases they can carry
    experienced: bool = True
    availability: Availability = field(default_factory=Availability)
    staff_username: str | None = None  # the staff account that acts as them
    active: bool = True

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise InvalidSchedule("capacity", "capacity cannot be negative")
        if not self.languages:
            raise InvalidSchedule("languages", "a facilitator speaks at least one language")

    def speaks(self, language: Language) -> bool:
        return language in self.languages

    def has_room(self, load: int) -> bool:
        return self.active and load < self.capacity


def choose_facilitators(pool: Sequence[Facilitator], load: Mapping[str, int], *,
                        language: Language, region: str | None = None) -> tuple[str, ...] | None:
    """The facilitators for a new case, lead first; None when nobody can take it (wait list).

    The lead speaks the victim's language; candidates in the case's region come first, then the
    least loaded (by share of capacity, then by count). A lead new to the work needs an
    experienced partner with room, chosen the same way.
    """
    def order(person: Facilitator) -> tuple:
        carried = load.get(person.facilitator_id, 0)
        return (region is not None and person.region != region,
                carried / person.capacity, carried, person.facilitator_id)

    free = sorted((p for p in pool if p.has_room(load.get(p.facilitator_id, 0))), key=order)
    for lead in (p for p in free if p.speaks(language)):
        if lead.experienced:
            return (lead.facilitator_id,)
        partner = next((p for p in free if p.experienced and p is not lead), None)
        if partner is not None:
            return (lead.facilitator_id, partner.facilitator_id)
    return None
