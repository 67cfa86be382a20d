"""Failpoints: make "killed between step A and step B" exact and repeatable in tests.

``VOD_FAILPOINT=screening.consumer.after_commit:2`` kills the process (exit 137, as ``kill -9``
would) the second time that point is reached. Unset in production: a no-op.
"""
import os
from collections import Counter


class Failpoints:
    def __init__(self, spec: str | None) -> None:
        self._name, self._at = None, 0
        if spec:
            name, _, count = spec.partition(":")
            self._name, self._at = name, int(count or 1)
        self._hits: Counter[str] = Counter()

    def hit(self, name: str) -> None:
        if name != self._name:
            return
        self._hits[name] += 1
        if self._hits[name] == self._at:
            os._exit(137)
