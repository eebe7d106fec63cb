"""One-shot ingestion of feed files and URLs (`yuqing ingest`), through the daemon's own write path.

Each target becomes a source row named "ingest:<absolute path or URL>" (a
folder: one per feed file in it; `source_name` for locations too long for the column), disabled so that the daemon never polls it,
and goes through the same retriever, `store_entries` and outcome recording as
a polled source; only conditional GET / file-time skipping is off, since the
user asked for this run explicitly.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from .config import MonitorConfig
from .errors import FeedError, FetchError
from .events import EventIndex, refresh_event_stats
from .fetch import Fetcher
from .models import Source
from .polling import IndexCache, MonitorSettings, ingest_retrieved, store_retrieved
from .schemes import Matcher
from .sources import Retrieved, SourceSnapshot, get_retriever
from .sources.file import feed_files
from .store import StoreResult

logger = logging.getLogger(__name__)

__all__ = ["IngestReport", "ingest_targets", "expand_targets", "source_name"]


@dataclass
class IngestReport:
    items: int = 0
    new_items: int = 0
    events: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    targets: int = 0


# The length of `Source.name` (models.py).
NAME_CHARS = 200


def source_name(location: str) -> str:
    """Return the source name of an ingested location: "ingest:<location>", unique per full location.

    A name longer than the column keeps its start (for people) and ends with a
    digest of the whole location, so that two long locations sharing their
    first 200 characters (long search URLs, deep paths) never share a row.
    """
    name = f"ingest:{location}"
    if len(name) <= NAME_CHARS:
        return name
    digest = hashlib.sha256(location.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{name[:NAME_CHARS - 26]}…#{digest}"


def expand_targets(targets: list[str]) -> list[tuple[str, str, str]]:
    """Return (source name, kind, location) per feed: URLs as they are, folders expanded to their files."""
    out = []
    for target in targets:
        if target.startswith(("http://", "https://")):
            out.append((source_name(target), "feed", target))
            continue
        path = Path(target).expanduser().resolve()
        files = feed_files(path) if path.is_dir() else [path]
        out.extend((source_name(str(p)), "file", str(p)) for p in files)
    return out


def _source_rows(session: Session, now: datetime, expanded: list[tuple[str, str, str]]) -> dict[str, Source]:
    """Return the row of each source name, creating the missing rows in one transaction."""
    names = [name for name, _k, _l in expanded]
    rows: dict[str, Source] = {}
    for start in range(0, len(names), 500):
        rows.update((r.name, r) for r in session.scalars(select(Source).where(Source.name.in_(names[start:start + 500]))))
    for name, kind, location in expanded:
        if name not in rows:
            row = Source(name=name, kind=kind, url=location if kind == "feed" else None,
                         config={"path": location} if kind == "file" else {}, enabled=False, created_at=now)
            session.add(row)
            rows[row.name] = row
    session.commit()
    return rows


# A transaction of `yuqing ingest` holds at most this many local feeds, or ends once it holds this many entries.
BATCH_FEEDS = 25
BATCH_ENTRIES = 2_000


@dataclass
class _Feed:
    source_id: int
    location: str
    retrieved: Retrieved | None
    error: Exception | None
    stored: StoreResult | None = None


class _Batch:
    """The feeds stored in the open transaction of `ingest_targets`, committed together.

    Why: a commit per feed cost ~1.2 ms of CPU (SQLite rewrites the same index
    pages into its log at every commit); one per 25 feeds saved ~0.1 s per
    10,000 items in the ingest benchmark. The safety unit stays the feed: when
    storing a feed or the commit fails, the whole transaction is rolled back
    and its feeds are stored again one transaction each (`ingest_retrieved`, the
    daemon's path: the failing feed is recorded on its source, the good ones go
    in). A crash loses at most the open batch, which the next run stores (its
    items are still new). The entries are kept until the commit, hence the
    bounds. The statistics of the events the batch touched are recomputed once,
    before the commit, however many of its feeds an event grew by. Only local
    files are batched: a URL is fetched with no transaction open, so that other
    writers never wait on the network.
    """

    def __init__(self, session: Session, now: datetime, *, cache: IndexCache, matcher: Matcher,
                 config: MonitorConfig, rng: random.Random, report: IngestReport):
        self.session, self.now, self.cache, self.matcher = session, now, cache, matcher
        self.config, self.rng, self.report = config, rng, report
        self.feeds: list[_Feed] = []
        self.entries = 0
        self.events: set[int] = set()

    def store(self, feed: _Feed) -> None:
        """Store `feed` in the open transaction; commit when the batch is full."""
        self.feeds.append(feed)
        try:
            source = self.session.get(Source, feed.source_id)
            if source is not None:
                # The outcomes recorded on the source rows are flushed together, before the commit
                # (a flush per feed cost ~0.5 ms of ORM bookkeeping); the stores write with Core.
                with self.session.no_autoflush:
                    feed.stored = store_retrieved(self.session, self.now, source=source, retrieved=feed.retrieved,
                                                  error=feed.error, matcher=self.matcher, index=self.cache.index,
                                                  config=self.config, rng=self.rng, defer_stats=True)
                if feed.stored is not None:
                    self.events |= feed.stored.events
        except Exception:  # noqa: BLE001 - replayed feed by feed, where it is recorded and logged
            logger.debug("source %s: storing failed in a batch; storing the batch feed by feed", feed.source_id)
            self._replay()
            return
        self.entries += len(feed.retrieved.entries) if feed.retrieved is not None else 0
        if len(self.feeds) >= BATCH_FEEDS or self.entries >= BATCH_ENTRIES:
            self.commit()

    def commit(self) -> None:
        if not self.feeds:
            return
        try:
            if self.events:
                refresh_event_stats(self.session, self.now, self.events)
            self.session.commit()
        except Exception:  # noqa: BLE001 - replayed feed by feed
            logger.debug("committing a batch failed; storing it feed by feed", exc_info=True)
            self._replay()
            return
        for feed in self.feeds:
            self._report(feed, feed.stored)
        self.feeds, self.entries, self.events = [], 0, set()

    def _replay(self) -> None:
        feeds = self.feeds
        self.feeds, self.entries, self.events = [], 0, set()
        self.session.rollback()
        self.cache.reload(self.session, self.now, self.config.dedupe_window)
        for feed in feeds:
            stored = ingest_retrieved(self.session, self.now, source_id=feed.source_id, retrieved=feed.retrieved,
                                      error=feed.error, matcher=self.matcher, cache=self.cache, config=self.config, rng=self.rng)
            self._report(feed, stored)

    def _report(self, feed: _Feed, stored: StoreResult | None) -> None:
        report = self.report
        if feed.retrieved is not None:
            report.warnings.extend(f"{feed.location}: {w}" for w in feed.retrieved.warnings)
        if stored is not None:
            report.items += stored.items
            report.new_items += stored.new_items
            report.events |= stored.events
            if stored.summary():
                report.warnings.append(f"{feed.location}: {stored.summary()}")


async def ingest_targets(engine: Engine, now: datetime, targets: list[str], *, settings: MonitorSettings,
                         fetcher: Fetcher | None = None) -> IngestReport:
    """Parse, dedupe and store every target; return counts.

    A target that cannot be read or parsed is listed in `errors` (and recorded
    on its source row); the others still go in: local files are committed by
    batches of feeds, each feed stored again alone when its batch fails
    (`_Batch`); a URL is one transaction.
    """
    config = settings.monitor
    report = IngestReport()
    expanded = expand_targets(targets)
    report.targets = len(expanded)
    matcher = Matcher.from_config(settings.schemes, keep_everything=config.keep_everything)
    schemes = [s for s in settings.schemes if s.enabled]
    rng = random.Random()
    own = fetcher is None and any(kind == "feed" for _n, kind, _l in expanded)
    if own:
        fetcher = Fetcher.from_config(config)
    try:
        # Why expire_on_commit=False and `rows` held to the end: the store of each feed looks its
        # source row up by id; with the rows kept loaded (only this command writes "ingest:" rows)
        # that costs no SELECT, where expiring them at every commit cost two per feed (~0.08 s CPU
        # per 10,000 items in the ingest benchmark). A rollback still expires them.
        with Session(engine, expire_on_commit=False) as session:
            cache = IndexCache(EventIndex.load(session, now, config.dedupe_window))
            rows = _source_rows(session, now, expanded)
            batch = _Batch(session, now, cache=cache, matcher=matcher, config=config, rng=rng, report=report)
            try:
                for name, kind, location in expanded:
                    if kind != "file":
                        batch.commit()
                    row = rows[name]
                    snapshot = SourceSnapshot(id=row.id, name=row.name, kind=row.kind, url=row.url, config=dict(row.config or {}))
                    retrieved, error = None, None
                    try:
                        retrieved = await get_retriever(kind)(snapshot, fetcher=fetcher, schemes=schemes, now=now)
                    except (FetchError, FeedError) as e:
                        error = e
                        report.errors.append(f"{location}: {e}")
                    except Exception as e:  # noqa: BLE001 - a retriever bug ends this target, not the run (as in a poll cycle)
                        logger.exception("source %s (%s): retriever failed", snapshot.id, location)
                        error = e
                        report.errors.append(f"{location}: internal error ({type(e).__name__}: {e})")
                    batch.store(_Feed(snapshot.id, location, retrieved, error))
                    if kind != "file":
                        batch.commit()
            finally:
                batch.commit()      # also when a retriever's bug ends the run: the feeds stored so far stay
    finally:
        if own and fetcher is not None:
            await fetcher.__aexit__(None, None, None)
    return report
