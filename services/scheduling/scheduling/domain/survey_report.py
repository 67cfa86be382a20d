"""The participant survey's results for a period, by stage and party (codes and numbers only).

The rules, the same on the page and in the CSV: a period is whole days in the program's time
zone, ``first`` to ``last`` inclusive; ``sent`` counts the surveys sent in the period and
``answered_of_sent`` how many of those have been answered since (the response rate);
``answered`` counts the surveys answered in the period, and each question's median is taken
over their answers (a question left unanswered is left out of its median).
"""
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from vod_shared.periods import Period

from scheduling.domain.surveys import QUESTIONS, SurveyStatus


@dataclass(frozen=True)
class SurveyLine:
    stage: str
    party: str
    status: SurveyStatus
    sent_at: datetime | None
    answered_at: datetime | None
    answers: dict[str, int]


@dataclass(frozen=True)
class SurveyFigures:
    stage: str
    party: str
    sent: int
    answered_of_sent: int
    answered: int
    medians: dict[str, float | None]

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered_of_sent / self.sent, 1) if self.sent else None


def survey_figures(lines: list[SurveyLine], period: Period) -> list[SurveyFigures]:
    """One row per stage and party that has a survey sent or answered in the period."""
    groups: dict[tuple[str, str], list[SurveyLine]] = {}
    for line in lines:
        if period.holds(line.sent_at) or period.holds(line.answered_at):
            groups.setdefault((line.stage, line.party), []).append(line)
    rows = []
    for (stage, party), group in sorted(groups.items()):
        sent = [s for s in group if period.holds(s.sent_at)]
        answered = [s for s in group if period.holds(s.answered_at)]
        medians = {}
        for question in QUESTIONS:
            given = [s.answers[question] for s in answered if question in s.answers]
            medians[question] = median(given) if given else None
        rows.append(SurveyFigures(
            stage, party, len(sent), sum(1 for s in sent if s.status is SurveyStatus.ANSWERED),
            len(answered), medians))
    return rows
