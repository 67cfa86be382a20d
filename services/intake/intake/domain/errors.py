class InvalidRequest(ValueError):
    """A request the program cannot accept; ``field`` names what is wrong (never its value),
    ``code`` which rule refused it (pages show it in the reader's language)."""

    def __init__(self, detail: str, *, field: str, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code


class CaseNotFound(LookupError):
    pass


class CaseStepRefused(ValueError):
    """A pause, resume or withdrawal that does not fit where the case is (e.g. already withdrawn)."""


class ChangedMeanwhile(RuntimeError):
    """The case changed between reading and saving it (two changes at once); try again."""


class PersonNotFound(LookupError):
    pass


class SubjectErased(LookupError):
    """The person (or case) was erased: its key was destroyed and is never made again, so
    nothing more is kept or published about it."""
