class InvalidCustodyReport(ValueError):
    """A custody report the registry cannot take; ``field`` names what is wrong, never the
    value sent."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidDecision(ValueError):
    """A decision that does not hold together (an approval with the offender unwilling, an
    expiry in the past...); ``field`` names what to correct."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotNow(Exception):
    """A decision the case is not waiting for (already decided, paused, ended)."""


class CaseNotFound(LookupError):
    """No such case, or not one this staff member may see: both answer the same."""


class ClearanceNotFound(LookupError):
    """No such clearance on this case."""


class DuplicateNotFound(LookupError):
    """No possible duplicate to decide on this case (or none with the case named)."""


# What a staff decision may be refused with (audited as refused, answered 404, 409 or 422).
REFUSALS = (CaseNotFound, ClearanceNotFound, DuplicateNotFound, InvalidDecision, NotNow)
