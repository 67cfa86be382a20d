"""The participant survey: at enrollment, soon after the dialogue, and months later. Each is a
row with a due time that the due-work loop picks up; notifications sends the victim's."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from vod_shared.events import Party, SurveyStage

from scheduling.domain.errors import InvalidSchedule, NotNow

AFTER_THE_DIALOGUE = {
    SurveyStage.AFTER_DIALOGUE: timedelta(days=14),
    SurveyStage.MONTHS_LATER: timedelta(days=180),
}
# Each answered from 1 (not at all) to 5 (completely). No free text: it would be personal data.
QUESTIONS = ("felt_safe", "felt_heard", "well_prepared", "would_recommend")


class SurveyStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ANSWERED = "answered"
    CANCELLED = "cancelled"


@dataclass
class Survey:
    survey_id: str
    party: Party
    stage: SurveyStage
    due_at: datetime
    status: SurveyStatus = SurveyStatus.PENDING
    sent_at: datetime | None = None
    answers: dict[str, int] = field(default_factory=dict)
    answered_at: datetime | None = None

    @classmethod
    def due(cls, party: Party, stage: SurveyStage, at: datetime) -> "Survey":
        return cls(str(uuid.uuid4()), party, stage, at)

    def is_due(self, now: datetime) -> bool:
        return self.status is SurveyStatus.PENDING and self.due_at <= now

    def sent(self, now: datetime) -> None:
        self.status, self.sent_at = SurveyStatus.SENT, now

    def cancel(self) -> None:
        if self.status is SurveyStatus.PENDING:
            self.status = SurveyStatus.CANCELLED

    def answer(self, answers: dict[str, int], now: datetime) -> None:
        if self.status not in (SurveyStatus.SENT, SurveyStatus.PENDING):
            raise NotNow(f"This survey is {self.status.value}.")
        unknown = set(answers) - set(QUESTIONS)
        if unknown:
            raise InvalidSchedule("answers", f"unknown questions: {', '.join(sorted(unknown))}")
        if any(not isinstance(v, int) or not 1 <= v <= 5 for v in answers.values()):
            raise InvalidSchedule("answers", "each answer is a whole number from 1 to 5")
        self.answers, self.status, self.answered_at = dict(answers), SurveyStatus.ANSWERED, now


def surveys_at_enrollment(now: datetime) -> list[Survey]:
    return [Survey.due(party, SurveyStage.ENROLLMENT, now) for party in Party]


def surveys_after_dialogue(held_at: datetime) -> list[Survey]:
    return [Survey.due(party, stage, held_at + delay)
            for stage, delay in AFTER_THE_DIALOGUE.items() for party in Party]
