"""What comes due later: participant surveys, and the warning when an out-of-state victim's
travel is still not arranged close to the dialogue. Nothing comes due while a case is on hold,
and nothing at all once the victim has withdrawn."""
from datetime import datetime

from vod_shared.events import Party, SurveyDue

from scheduling.domain.errors import NotFound
from scheduling.domain.stages import Stage
from scheduling.domain.surveys import Survey, SurveyStatus


class Afterwards:
    """The part of a Case about work that comes due later (mixed into ``Case``)."""

    def next_due_at(self) -> datetime | None:
        """When the due-work loop should next look at this case; None while nothing waits."""
        if self.is_paused or self.stage is Stage.WITHDRAWN:
            return None
        times = [s.due_at for s in self.surveys if s.status is SurveyStatus.PENDING]
        if self.travel is not None and self.travel.is_open and not self.travel.warned:
            times.append(self.travel.warn_at)
        return min(times, default=None)

    def do_due_work(self, *, now: datetime) -> None:
        if self.is_paused or self.stage is Stage.WITHDRAWN:
            return
        for survey in self.surveys:
            if survey.is_due(now):
                survey.sent(now)
                recipient = self.victim_id if survey.party is Party.VICTIM else None
                self._record(SurveyDue(case_id=self.case_id, survey_id=survey.survey_id,
                                       party=survey.party, stage=survey.stage,
                                       recipient_id=recipient, at=now), now)
        travel = self.travel
        if travel is not None and travel.is_open and not travel.warned and travel.warn_at <= now:
            travel.warned = True
            self._alert("travel_not_arranged", "The victim's travel for the dialogue on "
                        f"{travel.due_by.date().isoformat()} is not arranged yet.", now)

    def answer_survey(self, survey_id: str, answers: dict[str, int], *, now: datetime) -> None:
        self.survey(survey_id).answer(answers, now)
        self.updated_at = now

    def survey(self, survey_id: str) -> Survey:
        for survey in self.surveys:
            if survey.survey_id == survey_id:
                return survey
        raise NotFound(f"No survey {survey_id} in this case.")
