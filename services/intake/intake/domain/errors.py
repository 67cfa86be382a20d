class InvalidRequest(ValueError):
    """A request the program cannot accept; ``field`` names what is wrong (never its value)."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
