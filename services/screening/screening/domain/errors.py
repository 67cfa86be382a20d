class InvalidCustodyReport(ValueError):
    """A custody report the registry cannot take; ``field`` names what is wrong, never the
    value sent."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
