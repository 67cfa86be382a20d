class InvalidRequest(ValueError):
    """A request the program cannot accept; ``field`` names what is wrong (never its value)."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class CaseNotFound(LookupError):
    pass


class CaseStepRefused(ValueError):
    """A pause, resume or withdrawal that does not fit where the case is (e.g. already withdrawn)."""
