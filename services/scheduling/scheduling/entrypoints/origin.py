"""Where a staff request came from (address, method, path), for the audit log: set once per
HTTP request by this small ASGI middleware, read by the service when it writes an audit row, so
no route has to pass it along."""
from scheduling.adapters.audit import ORIGIN, Origin


class RecordOrigin:
    """ASGI middleware: the request's origin in ``ORIGIN`` while it is handled."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = ORIGIN.set(Origin(client[0] if client else "unknown", scope.get("method", ""),
                                  scope.get("path", "")))
        try:
            await self.app(scope, receive, send)
        finally:
            ORIGIN.reset(token)
