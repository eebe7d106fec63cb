"""The daemon's periodic jobs, registered explicitly (no discovery).

A job is an async function of the `Runtime` that does one bounded batch of
work and returns; the scheduler calls it every `every` seconds (wall time).
Each package's issue adds its job here: polling sources, judging events,
firing clocks, sending notifications, scheduled reports.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .runtime import Runtime

logger = logging.getLogger(__name__)

__all__ = ["Job", "build_jobs"]


@dataclass(frozen=True)
class Job:
    name: str
    every: float
    func: Callable[[Runtime], Awaitable[object]]
    delay_first: bool = False


async def heartbeat(runtime: Runtime) -> None:
    """Record the clock's current time for /healthz (shows drill speed-up at work)."""
    runtime.health.details["last_tick"] = runtime.clock.now().isoformat()


def build_jobs(runtime: Runtime) -> list[Job]:
    """Return the jobs this deployment runs."""
    return [Job("heartbeat", 5.0, heartbeat)]
