"""Sliding-window rate limits per channel, kept by queueing rather than dropping.

The sender asks `available()` how many messages of a channel may start now and
claims no more rows than that; the others stay queued in the outbox.

Why completion times and not start times: the receiver counts *arrivals*. A send
that started earlier can arrive later than one started after it, so windows are
measured from when the previous answer came back (an arrival is never later than
that) and in-flight sends hold a slot until then. That keeps the limit exact in
any window the receiver may use, without a safety margin.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most `count` arrivals per `seconds` for every (count, seconds) pair, by a monotonic timer."""

    def __init__(self, limits: Sequence[tuple[int, float]], timer: Callable[[], float]):
        self.limits = [(int(c), float(s)) for c, s in limits]
        self.timer = timer
        self.in_flight = 0
        depth = max((c for c, _ in self.limits), default=0)
        self._done: deque[float] = deque(maxlen=depth or 1)
        self._held_until = float("-inf")     # a receiver's "too fast" holds the channel until then

    def available(self) -> int:
        """Return how many sends may start now (a large number when unlimited)."""
        now = self.timer()
        if now < self._held_until:
            return 0
        if not self.limits:
            return 1 << 30
        free = 1 << 30
        for count, seconds in self.limits:
            recent = sum(1 for t in self._done if t > now - seconds)
            free = min(free, count - recent - self.in_flight)
        return max(free, 0)

    def wait_seconds(self) -> float:
        """Return how long until at least one send may start (0 when one may start now)."""
        if self.available() > 0:
            return 0.0
        now = self.timer()
        wait = max(self._held_until - now, 0.0)
        for count, seconds in self.limits:
            recent = [t for t in self._done if t > now - seconds]
            excess = len(recent) + self.in_flight - count + 1
            if excess > 0 and len(recent) >= excess:
                wait = max(wait, recent[excess - 1] + seconds - now)
        return max(wait, 0.001)

    def acquire(self) -> None:
        self.in_flight += 1

    def release(self) -> None:
        """Record that a send's answer came back (or it failed) now."""
        self.in_flight = max(self.in_flight - 1, 0)
        if self.limits:
            self._done.append(self.timer())

    def seed(self, done_at: list[float]) -> None:
        """Record answers that came back before this limiter existed (timer values, oldest first)."""
        if self.limits:
            for t in sorted(done_at)[-self._done.maxlen:]:
                self._done.append(t)

    def penalise(self, seconds: float) -> None:
        """Start no send for `seconds` (the receiver said we were too fast), then the windows apply again.

        Why a hold and not filled windows: the robot refused one window (Feishu 11232 is its
        5-a-second limit) for the time its documentation gives; filling every window made
        the longest one (a minute) hold the channel for 61 s instead of about one.
        """
        self._held_until = max(self._held_until, self.timer() + seconds)
