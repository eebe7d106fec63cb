"""The daemon's periodic jobs, registered explicitly (no discovery).

A job is an async function of the `Runtime` that does one bounded batch of
work and returns; the scheduler calls it every `every` seconds (wall time).
Each package's issue adds its job here: polling sources, judging events,
firing clocks, sending notifications, scheduled reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from monitor.polling import poll_due_sources, sync_sources
from responders.firing import fire_due_steps, next_due_at
from responders.lease import LeaseKeeper

from .clock import SystemClock
from .pipeline import after_ingest
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


def clock_job(runtime: Runtime) -> Callable[[Runtime], Awaitable[object]]:
    """Return the job that fires due clock steps while this daemon holds the clocks lease (issue 6).

    Every tick (1 s): take or renew the lease (machine time, never the drill clock),
    drain every due step, then, when the next step falls due before the next tick,
    wait for it and drain again, so steps fire well under a second late.
    """
    clocks = runtime.config.clocks
    keeper = LeaseKeeper(runtime.engine, ttl=clocks.lease_ttl, renew=clocks.lease_renew)
    machine = SystemClock()

    def drain() -> datetime | None:
        with Session(runtime.engine) as session:
            fire_due_steps(session, runtime.clock.now(), directory=runtime.directory, config=runtime.config.clocks,
                           holder=keeper.holder, budget_seconds=0.8)
            return next_due_at(session)

    async def fire_clocks(runtime: Runtime) -> None:
        leads = await asyncio.to_thread(keeper.check, machine.now())
        runtime.health.details["clocks_leader"] = keeper.holder if leads else "standby"
        if not leads:
            return
        upcoming = await asyncio.to_thread(drain)
        if upcoming is None:
            return
        wait = (upcoming - runtime.clock.now()).total_seconds()
        speed = getattr(runtime.clock, "speed", 1.0)
        if 0 < wait / speed < 0.9:
            await runtime.clock.sleep(wait)
            if keeper.leads(machine.now()):
                await asyncio.to_thread(drain)

    return fire_clocks


def poll_job(runtime: Runtime) -> Callable[[Runtime], Awaitable[object]]:
    """Return the job that polls due sources (issue 3), at most `[monitor] poll_batch` per run.

    Its first run after start or reload (build_jobs runs again on reload) first
    syncs the configured `[[sources]]` into `Source` rows. When new items
    arrived, the stages after ingestion run (`pipeline.after_ingest`).
    """
    synced = {"config": None}

    def sync() -> None:
        with Session(runtime.engine) as session:
            sync_sources(session, runtime.clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)

    def after(now: datetime) -> None:
        with Session(runtime.engine) as session:
            after_ingest(session, now, runtime)

    async def poll_sources(runtime: Runtime) -> None:
        config = runtime.config
        if synced["config"] is not config:
            await asyncio.to_thread(sync)
            synced["config"] = config
        now = runtime.clock.now()
        report = await poll_due_sources(runtime.engine, now, settings=config)
        if report.polled:
            runtime.health.details["last_poll"] = f"{now.isoformat()} {report.polled} sources, {report.new_items} new items"
        if report.new_items:
            await asyncio.to_thread(after, now)

    return poll_sources


def poll_every(runtime: Runtime) -> float:
    """Return the poll job's period in wall seconds: 10 s, shorter on a drill clock (yuqing demo / drill).

    Why: at `--speed 3600` ten wall seconds are ten hours on the response clocks, so
    items would reach the pipeline hours after the scenario publishes them. Polling
    every ten minutes of clock time (but not more often than every 0.5 s) keeps a
    drill's timeline; sources' own `interval` still decides which are due.
    """
    speed = float(getattr(runtime.clock, "speed", 1.0))
    return max(0.5, min(10.0, 600.0 / speed))


def build_jobs(runtime: Runtime) -> list[Job]:
    """Return the jobs this deployment runs."""
    return [Job("heartbeat", 5.0, heartbeat), Job("clocks", 1.0, clock_job(runtime)),
            Job("poll", poll_every(runtime), poll_job(runtime))]
