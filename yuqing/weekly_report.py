"""The weekly 通报 mail: build the report of the week that just ended and queue it for the coordination office.

Runs as the daemon job ``weekly-report`` (`yuqing.jobs`). The messages go
through `alerts.routing.queue_message` like every other message: the
``[reports] to`` addresses are reached by the email channel marked
``people = true`` (else ``[alerts] fallback_channel``). Each message's key is
``report:weekly:<ISO week>:<address>:<channel>``, and the outbox refuses a key
twice, so the report of a week is queued once however often the job runs and
however many daemons run it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from alerts.models import Notification
from alerts.routing import RoutingContext, queue_message, routing_context
from responders.reports import build_report
from responders.reports.schedule import mail_summary, report_url, weekly_due

from .config import Config

logger = logging.getLogger(__name__)

__all__ = ["send_weekly_report", "weekly_report_job", "KEY_PREFIX"]

KEY_PREFIX = "report:weekly:"


def send_weekly_report(session: Session, now: datetime, *, config: Config, ctx: RoutingContext) -> int | None:
    """Queue the weekly report due at `now` unless it was queued before.

    Returns the number of messages queued: None when none is due or it was already
    queued, 0 when routing found no channel for the addresses (logged as a warning).
    """
    reports = config.reports
    period = weekly_due(now, reports, config.timezone)
    if period is None:
        return None
    key_base = f"{KEY_PREFIX}{period.key}"
    if session.exec(select(Notification.id).where(Notification.key.like(f"{key_base}:%")).limit(1)).first() is not None:
        return None
    # A drill deployment has only drill cases: its weekly 通报 counts them, marked 演练 (issue 15.9).
    report = build_report(session, period, now=now, locality_subtree=reports.locality, rule=reports.interview,
                          drills=config.drill)
    base_url = reports.base_url or ctx.base_url
    payload = {
        "period": period.label, "period_key": period.key, "title": report.title, "summary": mail_summary(report),
        "report_url": report_url(base_url, period, reports.locality), "drill": config.drill,
    }
    recipients = [{"name": address, "email": address, "role": "coordination_office", "locality": reports.locality,
                   "body": None} for address in reports.to]
    try:
        rows = queue_message(session, now, ctx, kind="report", payload=payload, recipients=recipients, key_base=key_base)
    except IntegrityError:
        session.rollback()      # another daemon queued the same keys first
        logger.info("weekly report %s already queued by another daemon", period.key)
        return None
    if not rows:
        logger.warning("weekly report %s: no channel reaches %s (mark an email channel people = true, "
                       "or set [alerts] fallback_channel)", period.key, ", ".join(reports.to))
    else:
        logger.info("weekly report %s queued: %d message(s) to %s", period.key, len(rows), ", ".join(reports.to))
    return len(rows)


def weekly_report_job(runtime):
    """Return the daemon job that queues the weekly report when due (every 30 s; cheap when not due).

    A period for which routing found no channel is not retried by this daemon until
    it restarts or reloads (build_jobs runs again), so a missing channel costs one
    warning per week, not a report computation every 30 seconds.
    """
    config = runtime.config
    web = config.web
    ctx = routing_context(config.alerts, config.channels, base_url=web.base_url or f"http://{web.host}:{web.port}",
                          base_dir=config.base_dir, drill=config.drill)
    unroutable: set[str] = set()

    def run() -> None:
        now = runtime.clock.now()
        due = weekly_due(now, config.reports, config.timezone)
        if due is None or due.key in unroutable:
            return
        with Session(runtime.engine) as session:
            if send_weekly_report(session, now, config=config, ctx=ctx) == 0:
                unroutable.add(due.key)
        runtime.health.details["last_weekly_report"] = due.key

    async def weekly_report(runtime) -> None:
        await asyncio.to_thread(run)

    return weekly_report
