"""The indirect path's letters in scheduling's store; the words stay sealed as given."""
from sqlalchemy import insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import LetterHandover

from scheduling.adapters import orm
from scheduling.adapters.serialization import as_utc, utc
from scheduling.domain.letters import Letter, LetterState

_L = orm.letters.c


class Letters:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, letter: Letter, *, received_by: str, sealed: dict) -> None:
        await self._session.execute(insert(orm.letters).values(
            **_row(letter), received_by=received_by, sealed=sealed))

    async def save(self, letter: Letter, *, sealed: dict | None = None) -> None:
        """Writes the letter's state; ``sealed``: a revision's words, replacing the last."""
        values = _row(letter) | ({"sealed": sealed} if sealed is not None else {})
        await self._session.execute(update(orm.letters).where(
            _L.letter_id == letter.letter_id).values(**values))

    async def get(self, case_id: str, letter_id: str, *, for_update: bool = False) -> Letter | None:
        query = select(orm.letters).where(_L.letter_id == letter_id, _L.case_id == case_id)
        row = (await self._session.execute(
            query.with_for_update() if for_update else query)).first()
        return _letter(row) if row else None

    async def of(self, case_id: str) -> list:
        """The case's letters as stored rows (the sealed words included), oldest first."""
        return list(await self._session.execute(select(orm.letters).where(
            _L.case_id == case_id).order_by(_L.received_at)))

    async def erase(self, case_id: str) -> None:
        """The case's requester was erased: the letters' words go (what happened stays)."""
        await self._session.execute(update(orm.letters).where(
            _L.case_id == case_id).values(sealed=null()))  # SQL NULL, not JSON


def _row(letter: Letter) -> dict:
    return {"letter_id": letter.letter_id, "case_id": letter.case_id,
            "state": letter.state.value, "revision": letter.revision,
            "received_on": letter.received_on, "received_at": utc(letter.received_at),
            "reviewed_by": letter.reviewed_by, "reviewed_at": utc(letter.reviewed_at),
            "victim_wants": letter.victim_wants, "answered_at": utc(letter.answered_at),
            "handover": letter.handover.value if letter.handover else None,
            "delivered_by": letter.delivered_by, "delivered_at": utc(letter.delivered_at)}


def _letter(row) -> Letter:
    return Letter(
        row.letter_id, row.case_id, row.received_on, as_utc(row.received_at),
        LetterState(row.state), row.revision, row.reviewed_by, as_utc(row.reviewed_at),
        row.victim_wants, as_utc(row.answered_at),
        LetterHandover(row.handover) if row.handover else None, row.delivered_by,
        as_utc(row.delivered_at))
