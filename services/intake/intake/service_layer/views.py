"""Read-only views for intake's pages."""
from intake.adapters.vault import Vault
from intake.domain.model import Case
from intake.service_layer.unit_of_work import UnitOfWork


async def victim_case(uow: UnitOfWork, vault: Vault, *, case_id: str,
                      person_id: str) -> tuple[Case, str] | None:
    """The case behind a victim's link, and the language they chose; None unless the link's
    person is the case's requester."""
    case = await uow.cases.get(case_id)
    if case is None or case.requester_id != person_id:
        return None
    sealed = await uow.people.sealed(person_id)
    language = (vault.open(sealed, about=person_id).get("preferred_language", "en") if sealed
                else "en")
    return case, language
