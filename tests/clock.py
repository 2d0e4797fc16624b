"""A clock the tests move by hand, for services that take `now` as a callable."""

from __future__ import annotations


class Clock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
