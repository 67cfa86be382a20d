"""Why scheduling says no. Each becomes an RFC 9457 problem (or a dead letter) at the edge."""


class SchedulingError(Exception):
    """Something the program's rules do not allow now."""


class InvalidSchedule(SchedulingError):
    """A value that can never be right (a zone that does not exist, hours that end first)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field, self.detail = field, detail


class NotFound(SchedulingError):
    """No such case, meeting, session, facilitator or facility (or not one this person sees)."""


class NotNow(SchedulingError):
    """Refused in the case's present state; the message says why in the program's words."""


class NotReadyForDialogue(NotNow):
    """The joint dialogue cannot be scheduled yet; ``reasons`` lists every missing condition."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The dialogue cannot be scheduled: " + "; ".join(reasons))
        self.reasons = reasons


class DoubleBooked(NotNow):
    """A facilitator already has something then (buffers between meetings included)."""


class Unavailable(NotNow):
    """Outside someone's hours: a facilitator's, the facility's visiting hours or a day off."""
