"""Polling: which sources are due, fetching them under limits, storing entries, recording the outcome.

The poll cycle (`poll_due_sources`), as the daemon's job runs it:

1. Select at most `limit` enabled, polled sources whose `next_poll_at` has come.
2. Load the event index of the dedupe window once (monitor.events).
3. Run `max_connections` workers; each takes the next source, retrieves it
   (network, concurrent) and stores it (one transaction per source, one at a
   time in a worker thread, because SQLite has one writer and the event index
   is shared). Why workers and not one task per source: a task per source
   would finish thousands of downloads faster than the single writer stores
   them and hold every body in memory; a worker holds at most one.
4. Record the outcome on the source row: status, error, failures in a row,
   ETag/Last-Modified, and `next_poll_at` (interval with jitter on success,
   exponential backoff on failure).
5. Check source health (monitor.health).

`settings` is any object with `.monitor` (MonitorConfig), `.schemes` and
`.sources` (the composition root passes its Config).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .config import MonitorConfig, SchemeConfig, SourceConfig
from .errors import FeedError, FetchError
from .entries import storable
from .events import EventIndex
from .fetch import Fetcher
from .health import check_source_health
from .models import Source
from .schemes import Matcher
from .sources import POLLED_KINDS, Retrieved, SourceSnapshot, get_retriever
from .store import StoreResult, store_entries

logger = logging.getLogger(__name__)

__all__ = [
    "MonitorSettings", "next_poll_after", "backoff_delay", "sync_sources", "due_sources", "poll_due_sources",
    "record_outcome", "PollReport", "ingest_retrieved", "store_retrieved", "source_config_json", "IndexCache",
]


class MonitorSettings(Protocol):
    monitor: MonitorConfig
    schemes: Sequence[SchemeConfig]
    sources: Sequence[SourceConfig]


def next_poll_after(now: datetime, interval: timedelta, jitter: float, rng: random.Random) -> datetime:
    """Return when to poll again: `interval` after `now`, stretched or shrunk by up to `jitter` (a fraction).

    Why jitter: sources configured together would otherwise be polled together
    forever, in bursts against the same hosts.
    """
    factor = 1.0 + rng.uniform(-jitter, jitter) if jitter else 1.0
    return now + interval * factor


def backoff_delay(interval: timedelta, failures: int, max_backoff: timedelta) -> timedelta:
    """Return the wait after `failures` failures in a row: interval × 2^(failures-1), at most `max_backoff`.

    Never less than the interval itself (a cap below the interval would poll a broken source more often).
    """
    if failures <= 0:
        return interval
    delay = interval * (2 ** min(failures - 1, 20))
    return max(interval, min(delay, max_backoff))


def source_config_json(cfg: SourceConfig) -> dict[str, Any]:
    """Return what a `Source` row keeps of its config (never the token: secrets stay in the config)."""
    data: dict[str, Any] = {"schemes": list(cfg.schemes)}
    if cfg.path:
        data["path"] = cfg.path
    if cfg.items_path:
        data["items_path"] = cfg.items_path
        data["fields"] = dict(cfg.fields)
    if cfg.silent_after is not None:
        data["silent_after_seconds"] = int(cfg.silent_after.total_seconds())
    return data


def sync_sources(session: Session, now: datetime, sources: Sequence[SourceConfig], *, base_dir: str | None = None) -> dict[str, int]:
    """Make the `Source` rows match the configured `[[sources]]` (by name); return counts. Commits.

    New names get a row, due at once. Changed kind/url/interval/config are
    updated (a shorter interval pulls `next_poll_at` in). Rows of sources no
    longer configured are disabled, never deleted: their items and history stay.
    Rows made by `yuqing ingest` (names "ingest:...") are left alone.
    """
    rows = {row.name: row for row in session.scalars(select(Source))}
    counts = {"added": 0, "updated": 0, "disabled": 0}
    configured = set()
    for cfg in sources:
        configured.add(cfg.name)
        config = source_config_json(cfg)
        if cfg.kind == "file" and cfg.path and base_dir and not cfg.path.startswith("/"):
            config["path"] = f"{base_dir}/{cfg.path}"
        interval = int(cfg.interval.total_seconds())
        row = rows.get(cfg.name)
        if row is None:
            session.add(Source(name=cfg.name, kind=cfg.kind, url=cfg.url, config=config, poll_interval_seconds=interval,
                               enabled=cfg.enabled, next_poll_at=now, created_at=now))
            counts["added"] += 1
            continue
        changed = (row.kind, row.url, row.config, row.poll_interval_seconds, row.enabled) != (cfg.kind, cfg.url, config, interval, cfg.enabled)
        if changed:
            if row.url != cfg.url:
                row.etag = row.last_modified = None
            row.kind, row.url, row.config, row.enabled = cfg.kind, cfg.url, config, cfg.enabled
            if interval < row.poll_interval_seconds and row.next_poll_at and row.next_poll_at > now + timedelta(seconds=interval):
                row.next_poll_at = now + timedelta(seconds=interval)
            row.poll_interval_seconds = interval
            if row.enabled and row.next_poll_at is None:
                row.next_poll_at = now
            counts["updated"] += 1
    for name, row in rows.items():
        if name not in configured and row.enabled and not name.startswith("ingest:"):
            row.enabled = False
            counts["disabled"] += 1
    session.commit()
    logger.info("sources synced: %(added)d added, %(updated)d updated, %(disabled)d disabled", counts)
    return counts


def due_sources(session: Session, now: datetime, *, limit: int) -> list[SourceSnapshot]:
    """Return up to `limit` enabled, polled sources due at `now`, the longest-waiting first."""
    rows = session.scalars(
        select(Source)
        .where(Source.enabled.is_(True), Source.kind.in_(POLLED_KINDS),
               or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now))
        .order_by(Source.next_poll_at.is_(None).desc(), Source.next_poll_at, Source.id)
        .limit(limit)
    )
    return [SourceSnapshot.of(row) for row in rows]


@dataclass
class PollReport:
    """What one cycle did; `failed` maps source names to their status."""

    polled: int = 0
    not_modified: int = 0
    items: int = 0
    new_items: int = 0
    events: set[int] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    notices: int = 0
    seconds: float = 0.0


def record_outcome(session: Session, now: datetime, source: Source, *, config: MonitorConfig, rng: random.Random,
                   retrieved: Retrieved | None = None, stored: StoreResult | None = None,
                   error: Exception | None = None) -> None:
    """Store a poll's outcome on the source row (does not commit).

    Success: status "ok", "partial" (stored, but something was wrong:
    warnings, rejected entries, clamped times, repeated ids; described in
    `last_error`) or "not_modified"; failures reset.
    Failure: the error's status and message, one more failure in a row, and
    the next poll pushed out by exponential backoff.
    """
    interval = timedelta(seconds=source.poll_interval_seconds)
    source.last_polled_at = now
    if error is not None:
        source.consecutive_failures += 1
        source.last_status = getattr(error, "status", None) or "internal_error"
        source.last_error = storable((str(error) or type(error).__name__)[:2000])
        delay = backoff_delay(interval, source.consecutive_failures, max(config.max_backoff, interval))
        source.next_poll_at = next_poll_after(now, delay, config.jitter, rng)
        return
    assert retrieved is not None
    source.consecutive_failures = 0
    source.last_success_at = now
    if retrieved.etag or retrieved.last_modified:
        source.etag, source.last_modified = retrieved.etag, retrieved.last_modified
    problems = list(retrieved.warnings[:5])
    if stored is not None and stored.summary():
        problems.append(stored.summary())
    if retrieved.not_modified:
        source.last_status = "not_modified"
    else:
        source.last_status = "partial" if problems else "ok"
    source.last_error = storable(" | ".join(problems)[:2000]) or None
    source.next_poll_at = next_poll_after(now, interval, config.jitter, rng)


class IndexCache:
    """The event index shared by the stores of one cycle and kept between cycles (`EventIndex.refresh`)."""

    def __init__(self, index: EventIndex | None = None):
        self.index = index

    def current(self, session: Session, now: datetime, window: timedelta) -> EventIndex:
        """Return an index up to date with the database."""
        self.index = EventIndex.load(session, now, window) if self.index is None else self.index.refresh(session, now, window)
        return self.index

    def reload(self, session: Session, now: datetime, window: timedelta) -> None:
        """Forget everything (after a rolled-back write, the index may name events that do not exist)."""
        self.index = EventIndex.load(session, now, window)


def store_retrieved(session: Session, now: datetime, *, source: Source, retrieved: Retrieved | None, error: Exception | None,
                    matcher: Matcher, index: EventIndex, config: MonitorConfig, rng: random.Random,
                    defer_stats: bool = False) -> StoreResult | None:
    """Store one source's retrieval (when it has entries) and record its outcome on `source`; no commit.

    Returns what was stored (None when there was nothing to store). Exceptions
    propagate: the caller rolls back (see `ingest_retrieved`). `defer_stats`: see `store_entries`.
    """
    stored = None
    if error is None and retrieved is not None and not retrieved.not_modified:
        stored = store_entries(session, now, source=source, entries=retrieved.entries, matcher=matcher, index=index,
                               defer_stats=defer_stats)
    record_outcome(session, now, source, config=config, rng=rng, retrieved=retrieved, stored=stored, error=error)
    return stored


def ingest_retrieved(session: Session, now: datetime, *, source_id: int, retrieved: Retrieved | None, error: Exception | None,
                     matcher: Matcher, cache: IndexCache, config: MonitorConfig, rng: random.Random) -> StoreResult | None:
    """Store one source's retrieval and its outcome in one transaction; return what was stored.

    A unique-constraint race (another process stored the same item first) rolls
    back, reloads the event index and tries once more. Any other failure while
    storing is recorded on the source as "internal_error" and logged with its
    traceback; the cycle goes on with the next source.
    """
    for attempt in (1, 2):
        source = session.get(Source, source_id)
        if source is None:
            return None
        try:
            stored = store_retrieved(session, now, source=source, retrieved=retrieved, error=error, matcher=matcher,
                                     index=cache.index, config=config, rng=rng)
            session.commit()
            return stored
        except Exception as e:  # noqa: BLE001 - recorded on the source, logged with traceback, cycle goes on
            session.rollback()
            cache.reload(session, now, config.dedupe_window)
            if isinstance(e, IntegrityError) and attempt == 1:
                continue
            logger.exception("source %s: storing failed", source_id)
            source = session.get(Source, source_id)
            record_outcome(session, now, source, config=config, rng=rng, error=e)
            source.last_status = "internal_error"
            session.commit()
            return None
    return None


async def poll_due_sources(engine: Engine, now: datetime, *, settings: MonitorSettings, limit: int | None = None,
                           rng: random.Random | None = None, fetcher: Fetcher | None = None,
                           cache: IndexCache | None = None) -> PollReport:
    """Poll the sources due at `now` (see the module docstring); return what happened.

    Returns a report with polled == 0 when nothing was due. Pass the same
    `cache` to every cycle (the daemon's job does) so that the event index is
    refreshed, not rebuilt, each time.
    """
    started = time.perf_counter()
    config = settings.monitor
    rng = rng or random.Random()
    report = PollReport()
    limit = limit or config.poll_batch

    def load():
        with Session(engine) as session:
            due = due_sources(session, now, limit=limit)
            if due:
                cache.current(session, now, config.dedupe_window)
            return due

    cache = cache or IndexCache()
    due = await asyncio.to_thread(load)
    if due:
        matcher = Matcher.from_config(settings.schemes, keep_everything=config.keep_everything)
        schemes = [s for s in settings.schemes if s.enabled]
        queue: asyncio.Queue[SourceSnapshot] = asyncio.Queue()
        for snapshot in due:
            queue.put_nowait(snapshot)
        write_lock = asyncio.Lock()
        own_fetcher = fetcher is None
        fetcher = fetcher or Fetcher.from_config(config)
        session = Session(engine)
        try:
            async def worker():
                while not queue.empty():
                    snapshot = queue.get_nowait()
                    retrieved, error = None, None
                    try:
                        retrieved = await get_retriever(snapshot.kind)(snapshot, fetcher=fetcher, schemes=schemes, now=now)
                    except (FetchError, FeedError) as e:
                        error = e
                    except Exception as e:  # noqa: BLE001 - a retriever bug must not end the cycle
                        logger.exception("source %s (%s): retriever failed", snapshot.id, snapshot.name)
                        error = e
                    async with write_lock:
                        stored = await asyncio.to_thread(
                            ingest_retrieved, session, now, source_id=snapshot.id, retrieved=retrieved, error=error,
                            matcher=matcher, cache=cache, config=config, rng=rng)
                    report.polled += 1
                    if error is not None:
                        report.failed[snapshot.name] = getattr(error, "status", "internal_error")
                        logger.info("source %s (%s): %s: %s", snapshot.id, snapshot.name, report.failed[snapshot.name], error)
                    elif retrieved.not_modified:
                        report.not_modified += 1
                        logger.debug("source %s (%s): not modified", snapshot.id, snapshot.name)
                    elif stored is None:
                        report.failed[snapshot.name] = "internal_error"     # logged with its traceback when stored
                    else:
                        report.items += stored.items
                        report.new_items += stored.new_items
                        report.events |= stored.events
                        logger.debug("source %s (%s): %d entries, %d new, %d events", snapshot.id, snapshot.name,
                                     stored.items, stored.new_items, len(stored.events))
                    retrieved = stored = None    # free the entries before taking the next source

            workers = max(1, min(config.max_connections, len(due)))
            # return_exceptions: one worker's failure (the database gone) must not close the
            # session under the others; the first failure is raised once all have stopped.
            outcomes = await asyncio.gather(*(worker() for _ in range(workers)), return_exceptions=True)
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                raise failures[0]
        finally:
            session.close()
            if own_fetcher:
                await fetcher.__aexit__(None, None, None)

    def health():
        with Session(engine) as session:
            notices = check_source_health(session, now, config=config)
            session.commit()
            return len(notices)

    report.notices = await asyncio.to_thread(health)
    report.seconds = time.perf_counter() - started
    if report.polled:
        # INFO only when something happened: a drill polls every half second.
        level = logging.INFO if (report.new_items or report.failed or report.notices) else logging.DEBUG
        logger.log(level, "poll cycle: %d sources (%d not modified, %d failed), %d items, %d new, %d events, %d notices in %.1fs",
                    report.polled, report.not_modified, len(report.failed), report.items, report.new_items,
                    len(report.events), report.notices, report.seconds)
    return report
