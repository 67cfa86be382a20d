"""Who gets a case: a Spanish speaker for a Spanish-speaking victim, the least loaded first,
someone new paired with someone experienced, or the wait list."""
from vod_shared.events import Language

from scheduling.domain.facilitators import choose_facilitators
from scheduling_tests.builders import facilitator


def test_a_spanish_speaking_victim_gets_a_spanish_speaker_even_if_busier():
    ana = facilitator("ana", languages=("en", "es"))
    ben = facilitator("ben")
    chosen = choose_facilitators([ana, ben], {ana.facilitator_id: 3}, language=Language.ES)
    assert chosen == (ana.facilitator_id,)


def test_the_least_loaded_goes_first_by_share_of_what_they_can_carry():
    busy = facilitator("busy", capacity=4)
    light = facilitator("light", capacity=8)
    load = {busy.facilitator_id: 2, light.facilitator_id: 3}  # 50% against 37.5%
    assert choose_facilitators([busy, light], load, language=Language.EN) == (light.facilitator_id,)


def test_someone_new_is_paired_with_an_experienced_colleague():
    new = facilitator("nora", languages=("es",), experienced=False)
    old = facilitator("omar", experienced=True)
    chosen = choose_facilitators([new, old], {old.facilitator_id: 1}, language=Language.ES)
    assert chosen == (new.facilitator_id, old.facilitator_id)


def test_someone_new_without_an_experienced_partner_free_cannot_take_a_case():
    new = facilitator("nora", experienced=False)
    full = facilitator("full", capacity=1)
    assert choose_facilitators([new, full], {full.facilitator_id: 1}, language=Language.EN) is None


def test_nobody_with_room_or_the_language_means_the_wait_list():
    full = facilitator("full", languages=("es",), capacity=1)
    english = facilitator("eli")
    load = {full.facilitator_id: 1}
    assert choose_facilitators([full, english], load, language=Language.ES) is None


def test_the_case_region_comes_before_load():
    north = facilitator("north", region="north")
    south = facilitator("south", region="south")
    load = {north.facilitator_id: 2}
    assert choose_facilitators([north, south], load, language=Language.EN,
                               region="north") == (north.facilitator_id,)
