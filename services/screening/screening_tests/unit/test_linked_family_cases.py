"""Linked family cases on screening's timeline: each family member's case says it is in a joint
dialogue and with how many others, and that one left; ids only came, so no one's details show."""
from datetime import datetime, timezone

from vod_shared import events as e

from .test_read_model import name_of, opened_case, timeline

NOW = datetime.now(timezone.utc)


async def test_each_linked_case_says_it_shares_a_joint_dialogue(screening):
    ana = await opened_case(screening, "AB1234")
    luis = await opened_case(screening, "AB1234")
    both = [ana.case_id, luis.case_id]
    await screening.apply(e.CasesLinked(group_id="g-1", case_ids=both, at=NOW),
                          subject="g-1", source="/services/scheduling")
    # Luis leaves; Ana is left alone, so her case leaves too (as scheduling tells it).
    for case_id in (luis.case_id, ana.case_id):
        await screening.apply(e.CaseUnlinked(group_id="g-1", case_id=case_id, at=NOW),
                              subject="g-1", source="/services/scheduling")
    names = [await name_of(screening, request.requester_id) for request in (ana, luis)]
    assert all(names)
    for request in (ana, luis):
        lines = [line.summary for line in await timeline(screening, request.case_id)]
        assert "Joint dialogue with 1 other participant (linked family cases)" in lines
        assert "A case left the joint dialogue; it is no longer a joint one" in lines
        # Neither family member's name is on either case's timeline.
        told = " ".join(lines)
        assert not any(name in told for name in names)
