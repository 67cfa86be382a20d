"""Failed sign-ins counted per username and address, to slow down guessing."""
from collections import OrderedDict, deque
from datetime import datetime, timedelta


class SignInLimiter:
    def __init__(self, *, max_failures: int = 5, window: timedelta = timedelta(minutes=15),
                 max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[tuple[str, str], deque[datetime]] = OrderedDict()

    def retry_after(self, username: str, address: str, now: datetime) -> int | None:
        """Seconds until another try is allowed, or None if one is allowed now."""
        key = (username, address)
        if key not in self._failures:
            return None
        failures = self._recent(key, now)
        if len(failures) < self.max_failures:
            return None
        return max(1, int((failures[0] + self.window - now).total_seconds()) + 1)

    def failed(self, username: str, address: str, now: datetime) -> None:
        key = (username, address)
        self._recent(key, now).append(now)
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)  # memory stays bounded under a spray of names

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username, address), None)

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
