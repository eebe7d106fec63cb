"""`yuqing run`: the daemon, one asyncio process.

Start-up, in order:
1. upgrade the database schema (every migration branch);
2. start APScheduler (periodic jobs from `yuqing.jobs`);
3. start uvicorn in-process and wait until it listens;
4. tell systemd READY=1, then ping WATCHDOG=1 from the main loop.

SIGTERM/SIGINT: stop scheduling, let in-flight jobs finish (at most
`SHUTDOWN_GRACE` seconds), stop the web server, send STOPPING=1, exit 0.
SIGHUP: re-read the config file; a bad new config is rejected with a log line
and the old one stays in force.

APScheduler only *triggers* periodic work here. Deadlines live in the database
(`ClockStep.due_at`): the clock job queries them on every tick, so nothing is
lost to APScheduler 3's misfire and one-shot semantics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import datetime, timezone

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import OperationalError

from . import sdnotify
from .config import ConfigError, load_config
from .db import upgrade
from .jobs import Job, build_jobs
from .runtime import Runtime
from .web import create_app

logger = logging.getLogger(__name__)

__all__ = ["Daemon", "SHUTDOWN_GRACE"]

SHUTDOWN_GRACE = 8.0


def server_config(app, web) -> uvicorn.Config:
    """Return uvicorn's settings for the web app.

    `proxy_headers=False`: uvicorn would otherwise take X-Forwarded-For from any
    loopback peer as the client address, so a forged header could dodge the
    sign-in waits or slow someone else's. Trusted proxies are the app's
    business (`web.trusted_proxies`, none by default).
    """
    return uvicorn.Config(app, host=web.host, port=web.port, log_config=None, access_log=False,
                          lifespan="on", timeout_graceful_shutdown=3, proxy_headers=False, forwarded_allow_ips="")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the daemon owns SIGTERM and SIGHUP."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class Daemon:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.stop_event = asyncio.Event()
        self.inflight: set[asyncio.Task] = set()
        self.scheduler: AsyncIOScheduler | None = None
        self.server: _Server | None = None

    # -- jobs -------------------------------------------------------------
    async def _run_job(self, job: Job) -> None:
        if self.stop_event.is_set():
            return
        task = asyncio.current_task()
        self.inflight.add(task)
        metrics = self.runtime.metrics
        started = time.perf_counter()
        try:
            await job.func(self.runtime)
            metrics.job_runs.labels(job.name).inc()
        except asyncio.CancelledError:
            # Only at shutdown, after the grace period: the job's own transaction rolls back and
            # its work is picked up again at the next start (everything it claims is in the database).
            logger.warning("job %s cancelled at shutdown", job.name)
        except Exception:
            # One failing run must not stop the daemon: log it, count it, try again next time.
            metrics.job_failures.labels(job.name).inc()
            logger.exception("job %s failed", job.name)
        finally:
            metrics.job_seconds.labels(job.name).observe(time.perf_counter() - started)
            self.inflight.discard(task)

    def _schedule(self) -> None:
        assert self.scheduler is not None
        self.scheduler.remove_all_jobs()
        self.runtime.run_stop_hooks()
        for job in build_jobs(self.runtime):
            self.scheduler.add_job(
                self._run_job, IntervalTrigger(seconds=job.every), args=[job], id=job.name,
                max_instances=1, coalesce=True, misfire_grace_time=None, next_run_time=None if job.delay_first else _soon(),
            )
        logger.info("scheduled %d jobs", len(self.scheduler.get_jobs()))

    def _warm_up(self) -> None:
        """Load the directory and the judgement rules before the jobs need them (Runtime.warm_up)."""
        try:
            self.runtime.warm_up()
        except Exception:  # noqa: BLE001 - the jobs load them on first use and log the failure there
            logger.exception("loading the directory or the judgement rules failed")

    # -- signals ----------------------------------------------------------
    def request_stop(self, signame: str) -> None:
        if not self.stop_event.is_set():
            logger.info("received %s, stopping", signame)
            self.stop_event.set()

    def reload(self) -> None:
        """Re-read the config file; keep the old config when the new one is invalid."""
        path = self.runtime.config_path
        try:
            config = load_config(path)
        except ConfigError as e:
            self.runtime.metrics.reloads.labels("rejected").inc()
            logger.error("config reload rejected, keeping the running config: %s", "; ".join(str(p) for p in e.problems))
            return
        old = self.runtime.config
        if (old.database_url(), old.web.host, old.web.port) != (config.database_url(), config.web.host, config.web.port):
            logger.warning("storage and web address changes take effect at the next restart")
        self.runtime.replace_config(config)
        self._warm_up()
        if self.scheduler is not None:
            self._schedule()
        self.runtime.metrics.reloads.labels("ok").inc()
        logging.getLogger().setLevel(config.log.level.upper())
        logger.info("config reloaded from %s", path)

    # -- main -------------------------------------------------------------
    async def run(self) -> int:
        runtime = self.runtime
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.request_stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self.request_stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self.reload)

        try:
            await asyncio.to_thread(upgrade, runtime.engine)
        except OperationalError as e:
            url = runtime.engine.url.render_as_string(hide_password=True)
            reason = str(e.orig or e).strip().splitlines()[0]
            logger.error("the database %s is not reachable: %s", url, reason)
            return 1
        runtime.health.database = True
        self._warm_up()

        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._schedule()
        self.scheduler.start()
        runtime.health.scheduler = True

        web = runtime.config.web
        self.server = _Server(server_config(create_app(runtime), web))
        server_task = asyncio.create_task(self.server.serve(), name="web")
        while not self.server.started:
            if server_task.done():
                server_task.result()       # re-raise why it could not start (port taken, ...)
                logger.error("web server stopped during start-up")
                return 1
            await asyncio.sleep(0.05)
        runtime.health.web = True
        address = self.server.servers[0].sockets[0].getsockname() if self.server.servers else (web.host, web.port)
        runtime.health.details["address"] = f"http://{address[0]}:{address[1]}"
        logger.info("yuqing-watch ready on http://%s:%s", address[0], address[1])
        sdnotify.notify("READY=1\nSTATUS=serving")

        ping_every = sdnotify.watchdog_interval()
        tick = min(ping_every or 1.0, 1.0)
        while not self.stop_event.is_set():
            runtime.health.last_loop_at = time.monotonic()
            if ping_every:
                sdnotify.notify("WATCHDOG=1")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), timeout=tick)

        sdnotify.notify("STOPPING=1")
        runtime.health.scheduler = False
        self.scheduler.shutdown(wait=False)
        if self.inflight:
            logger.info("waiting for %d running jobs", len(self.inflight))
            _, pending = await asyncio.wait(set(self.inflight), timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        await asyncio.to_thread(runtime.run_stop_hooks)
        self.server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server_task, timeout=5)
        runtime.engine.dispose()
        logger.info("stopped")
        return 0


def _soon() -> datetime:
    # APScheduler triggers on wall time; deadlines never depend on this (they are read from the database).
    return datetime.now(timezone.utc)
