"""Injectable clocks: the only place the daemon reads the wall clock or sleeps.

Domain code never calls `datetime.now()`; it receives `now` from one of these.

- `SystemClock`: real time.
- `ScaledClock`: drill mode (`yuqing demo --speed 3600`): one wall-clock second
  counts as `speed` seconds on every response clock, starting from the real time
  at which it was created; `wall_now()` still tells the real time.
- `FakeClock`: tests move it with `advance()`; `sleep()` advances it instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

__all__ = ["Clock", "SystemClock", "ScaledClock", "FakeClock"]


class Clock(Protocol):
    """Tell the time (aware UTC) and wait.

    `now()` never goes backwards. `sleep(seconds)` waits `seconds` of *clock*
    time (a scaled clock waits less real time).
    """

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ScaledClock:
    def __init__(self, speed: float, *, origin: datetime | None = None):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = origin or datetime.now(timezone.utc)
        self._start = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._start) * self.speed)

    def wall_now(self) -> datetime:
        """Return the real time (security windows such as sign-in waits must not run faster in a drill)."""
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)


class FakeClock:
    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self._now += delta
        return self._now

    def set(self, value: datetime) -> None:
        self._now = value

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)
