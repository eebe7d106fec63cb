"""The daemon's periodic jobs, registered explicitly (no discovery).

A job is an async function of the `Runtime` that does one bounded batch of
work and returns; the scheduler calls it every `every` seconds (wall time).
Each package's issue adds its job here: polling sources, judging events,
firing clocks, sending notifications, scheduled reports.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from alerts.routing import expand_clock_events, expand_source_notices, routing_context
from alerts.sender import Sender
from monitor.polling import IndexCache, poll_due_sources, sync_sources
from responders.firing import fire_due_steps, next_due_at
from responders.ladder import Recipients
from responders.lease import LeaseKeeper

from .clock import SystemClock
from .pipeline import after_ingest
from .runtime import Runtime
from .weekly_report import weekly_report_job

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
    drain every due step, then keep waiting for the next due step and draining
    until the tick is nearly over, so steps fire within milliseconds of their due
    time instead of up to a tick late. The deadlines themselves are read from the
    database on every pass (APScheduler only provides the tick).
    """
    clocks = runtime.config.clocks
    keeper = LeaseKeeper(runtime.engine, ttl=clocks.lease_ttl, renew=clocks.lease_renew)
    runtime.on_stop.append(keeper.release)      # a clean stop hands the lease over at once
    machine = SystemClock()

    resolver: dict[str, Recipients] = {}

    def drain() -> datetime | None:
        directory, config = runtime.directory, runtime.config.clocks
        recipients = resolver.get("current")
        if recipients is None or recipients.directory is not directory or recipients.config is not config:
            recipients = resolver["current"] = Recipients(directory, config)     # rebuilt after a reload
        with Session(runtime.engine) as session:
            fire_due_steps(session, runtime.clock.now(), directory=directory, config=config,
                           holder=keeper.holder, budget_seconds=0.8, recipients=recipients)
            return next_due_at(session)

    async def fire_clocks(runtime: Runtime) -> None:
        started = time.monotonic()
        leads = await asyncio.to_thread(keeper.check, machine.now())
        runtime.health.details["clocks_leader"] = keeper.holder if leads else "standby"
        if not leads:
            return
        speed = getattr(runtime.clock, "speed", 1.0)
        while True:
            upcoming = await asyncio.to_thread(drain)
            if upcoming is None:
                return
            real_wait = (upcoming - runtime.clock.now()).total_seconds() / speed
            if time.monotonic() + max(real_wait, 0) - started > 0.9 or not keeper.leads(machine.now()):
                return
            if real_wait > 0:
                await runtime.clock.sleep(real_wait * speed)

    return fire_clocks


def poll_job(runtime: Runtime) -> Callable[[Runtime], Awaitable[object]]:
    """Return the job that polls due sources (issue 3), at most `[monitor] poll_batch` per run.

    Its first run after start or reload (build_jobs runs again on reload) first
    syncs the configured `[[sources]]` into `Source` rows. When new items
    arrived, the stages after ingestion run (`pipeline.after_ingest`).
    """
    synced = {"config": None}
    cache = IndexCache()      # the event index, refreshed (not rebuilt) by each run

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
        report = await poll_due_sources(runtime.engine, now, settings=config, cache=cache)
        if report.polled:
            runtime.health.details["last_poll"] = f"{now.isoformat()} {report.polled} sources, {report.new_items} new items"
        if report.new_items:
            # A fresh `now`: cases open when they are opened, not when the poll began (on a drill clock
            # at --speed 3600 the second a poll takes is an hour of every new clock).
            await asyncio.to_thread(after, runtime.clock.now())

    return poll_sources


def poll_every(runtime: Runtime) -> float:
    """Return the poll job's period in wall seconds: 10 s, shorter on a drill clock (yuqing demo / drill).

    Why: at `--speed 3600` ten wall seconds are ten hours on the response clocks, so
    items would reach the pipeline hours after the scenario publishes them. Polling
    every ten minutes of clock time (but not more often than every 0.5 s) keeps a
    drill's timeline; sources' own `interval` still decides which are due.
    """
    return drill_every(runtime, 10.0, clock_seconds=600.0, floor=0.5)


def drill_every(runtime: Runtime, every: float, *, clock_seconds: float, floor: float) -> float:
    """Return a job period in wall seconds: `every`, or `clock_seconds` of a faster drill clock (not below `floor`)."""
    speed = float(getattr(runtime.clock, "speed", 1.0))
    return max(floor, min(every, clock_seconds / speed))


def alert_jobs(runtime: Runtime) -> list[Job]:
    """Return the alerts expander and sender jobs (issue 7).

    - ``alerts-expand`` (1 s): unprocessed ClockEvents and SourceNotices -> outbox rows
      (compare-and-swap per event, so any daemon may run it);
    - ``alerts-send`` (1 s): only the holder of the ``alerts`` lease sends, so each
      channel's rate limit is kept by one process; it drains until nothing is due.
      Rate limits and signatures use real time, due dates the runtime's clock.
    """
    config = runtime.config
    web = config.web
    ctx = routing_context(config.alerts, config.channels, base_url=web.base_url or f"http://{web.host}:{web.port}",
                          base_dir=config.base_dir, drill=config.drill)
    sender = Sender(engine=runtime.engine, clock=runtime.clock, ctx=ctx, timer=time.monotonic, wall=time.time)
    keeper = LeaseKeeper(runtime.engine, name="alerts", ttl=config.clocks.lease_ttl, renew=config.clocks.lease_renew)
    runtime.on_stop.append(keeper.release)
    machine = SystemClock()

    def expand() -> int:
        with Session(runtime.engine) as session:
            now = runtime.clock.now()
            return expand_clock_events(session, now, ctx) + expand_source_notices(session, now, ctx, runtime.directory)

    async def expand_alerts(runtime: Runtime) -> None:
        await asyncio.to_thread(expand)

    async def send_alerts(runtime: Runtime) -> None:
        if not await asyncio.to_thread(keeper.check, machine.now()):
            return
        # The pass renews the lease itself and stops the moment it is lost (issue 22 point 3).
        await sender.drain(max_seconds=30, lease=keeper)

    # On a drill clock a second of latency is an hour (--speed 3600): a leader escalation due 1 h
    # before the deadline must not arrive after it, so both run every 10 clock minutes there.
    every = drill_every(runtime, 1.0, clock_seconds=600.0, floor=0.1)
    return [Job("alerts-expand", every, expand_alerts), Job("alerts-send", every, send_alerts)]


def pipeline_job(runtime: Runtime) -> Callable[[Runtime], Awaitable[object]]:
    """Return the job that judges pending events and opens cases (`pipeline.after_ingest`).

    The poll job and POST /api/items run the same stages right after new items;
    this job catches what they left (a crash between storing and judging, a
    failed run), so no stored event waits for the next new item to be judged.
    """

    def stages() -> None:
        with Session(runtime.engine) as session:
            after_ingest(session, runtime.clock.now(), runtime)

    async def judge_and_open(runtime: Runtime) -> None:
        await asyncio.to_thread(stages)

    return judge_and_open


def build_jobs(runtime: Runtime) -> list[Job]:
    """Return the jobs this deployment runs."""
    return [Job("heartbeat", 5.0, heartbeat), Job("clocks", 1.0, clock_job(runtime)),
            Job("poll", poll_every(runtime), poll_job(runtime)), Job("pipeline", 5.0, pipeline_job(runtime)), *alert_jobs(runtime),
            Job("weekly-report", 30.0, weekly_report_job(runtime))]
