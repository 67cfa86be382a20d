"""The public door's limits hold against requests sent all at once (a script that knows her
number): each is checked and counted with the others waiting, on SQLite and on PostgreSQL,
where transactions side by side would otherwise all read the counts before any added to them."""
import asyncio

import pytest
from sqlalchemy import func, select

from intake.adapters.orm import pending_requests

from intake_tests.conftest import intake_on
from intake_tests.unit.test_public_pages import FORM, form_token


@pytest.fixture
async def intake(tmp_path, database_url_factory):
    async for client in intake_on(tmp_path, database_url_factory("intake")):
        yield client


async def test_a_burst_for_her_number_texts_her_at_most_three_codes(intake):
    token = await form_token(intake, "en")
    form = FORM | {"preferred_channel": "sms", "phone": "(619) 555-0100", "email": "",
                   "csrf_token": token}
    answers = await asyncio.gather(*[intake.http.post("/request?lang=en", data=form)
                                     for _ in range(20)])
    texts = [sent for sent in intake.post_office.sent if sent[0] == "sms"]
    assert len(texts) == 3
    assert sorted(answer.status_code for answer in answers) == [303] * 3 + [429] * 17
    # the three wait, each with its own code (a newer one voids none: anyone may type her
    # number, test_public_pages)
    async with intake.runtime.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(pending_requests)) == 3
