"""Store a source's entries: normalise, dedupe, match schemes, merge into events, write in bulk.

`store_entries(session, now, *, source, entries, matcher, index)` is the one
write path of every source kind (feed, search, file, push) and of `yuqing
ingest`, so the daemon and the command store items identically.

Why bulk statements: one SELECT for the existing ids of the batch, one INSERT
for its new events (ids returned in order) and one executemany for its items;
per-item queries cost ~10x more on SQLite (DEPENDENCIES.md: 630 commits/s vs
19,000 rows/s in one batch). The caller commits: one transaction per feed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from .entries import NormalItem, RawEntry, normalise_entries
from .errors import RecordError
from .events import EventIndex, EventRef, refresh_event_stats
from .models import Event, Item, Source
from .schemes import Matcher

logger = logging.getLogger(__name__)

EVENT, ITEM = Event.__table__, Item.__table__
# Statements built once: building a select and its cache key per feed cost about as much as running it.
_EXISTING_IDS = select(ITEM.c.external_id).where(ITEM.c.source_id == bindparam("source_id"),
                                                 ITEM.c.external_id.in_(bindparam("ids", expanding=True)))
_EVENT_SCHEMES = select(EVENT.c.id, EVENT.c.matched_schemes).where(EVENT.c.id.in_(bindparam("ids", expanding=True)))
_SET_EVENT_SCHEMES = update(EVENT).where(EVENT.c.id == bindparam("event_id")).values(matched_schemes=bindparam("schemes"))
_INSERT_EVENTS = insert(EVENT).returning(EVENT.c.id, sort_by_parameter_order=True)
_INSERT_ITEMS = insert(ITEM)

__all__ = ["StoreResult", "store_entries"]

# At most this many rejected-entry messages are kept per batch (a feed of 10,000 broken entries
# must not make a 10,000-line error).
MAX_REPORTED = 5


@dataclass
class StoreResult:
    """What one batch did. `rejected` counts unusable entries; `problems` describes the first few."""

    items: int = 0
    new_items: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events_created: set[int] = field(default_factory=set)
    events_grown: set[int] = field(default_factory=set)

    @property
    def events(self) -> set[int]:
        return self.events_created | self.events_grown

    def summary(self) -> str:
        """Return the one-line message stored on the source when something was wrong ("" when nothing)."""
        parts = []
        if self.rejected:
            parts.append(f"{self.rejected} entr{'y' if self.rejected == 1 else 'ies'} rejected: " + "; ".join(self.problems))
        if self.notes:
            parts.append("; ".join(self.notes[:MAX_REPORTED]) + (f" (+{len(self.notes) - MAX_REPORTED} more)" if len(self.notes) > MAX_REPORTED else ""))
        return " | ".join(parts)


def _normalise_all(entries: Iterable[RawEntry], now: datetime, result: StoreResult) -> list[NormalItem]:
    entries = list(entries)
    items: list[NormalItem] = []
    for position, (raw, outcome) in enumerate(zip(entries, normalise_entries(entries, now=now), strict=True), start=1):
        result.items += 1
        if isinstance(outcome, NormalItem):
            items.append(outcome)
            continue
        # One hostile entry must not cost the feed's good ones: it is counted and described.
        result.rejected += 1
        if len(result.problems) < MAX_REPORTED:
            label = raw.external_id or f"#{position}"
            reason = str(outcome) if isinstance(outcome, RecordError) else f"{type(outcome).__name__}: {outcome}"
            result.problems.append(f"entry {label[:80]!r}: {reason[:200]}")
    return items


def _existing_ids(session: Session, source_id: int, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(session.scalars(_EXISTING_IDS, {"source_id": source_id, "ids": chunk}))
    return found


def store_entries(session: Session, now: datetime, *, source: Source, entries: Iterable[RawEntry],
                  matcher: Matcher, index: EventIndex, defer_stats: bool = False) -> StoreResult:
    """Store the new entries of `source`; return what happened. Does not commit.

    1. Normalise each entry; an unusable one is counted and described, the rest go on.
    2. Drop entries whose external id the source already has (this batch or stored),
       and entries repeating a text the source gave within the dedupe window.
    3. Match keyword schemes on the folded text (plus the schemes a search asked for).
    4. Matched items (all, with keep_everything) join an event of the window or open one.
    5. Insert new events, then items, in bulk; recompute the touched events' statistics
       and flag them for judgement. With `defer_stats` the caller does the latter
       (`refresh_event_stats` of `result.events`) before it commits, once for
       several sources: the statistics depend only on the events' items.
    """
    result = StoreResult()
    items = _normalise_all(entries, now, result)
    for item in items:
        if item.note and len(result.notes) < 50:
            result.notes.append(f"entry {item.external_id[:80]!r}: {item.note}")
    batch_ids: set[str] = set()
    unique: list[NormalItem] = []
    for item in items:
        if item.external_id in batch_ids:
            result.duplicates += 1
            continue
        batch_ids.add(item.external_id)
        unique.append(item)
    if result.duplicates:
        result.notes.append(f"{result.duplicates} entries repeat an id of the same document")
    existing = _existing_ids(session, source.id, [i.external_id for i in unique])

    rows: list[tuple[NormalItem, EventRef | None, list[str]]] = []
    new_events: list[tuple[EventRef, NormalItem]] = []
    schemes_by_ref: dict[EventRef, set[str]] = {}
    for item in unique:
        if item.external_id in existing:
            continue
        if index.is_repeat(source.id, item):
            result.duplicates += 1
            continue
        schemes = matcher.match(item.folded)
        for name in item.schemes:
            if name not in schemes:
                schemes.append(name)
        ref = None
        if schemes or matcher.keep_everything:
            ref = index.find(item)
            if ref is None:
                ref = EventRef()
                new_events.append((ref, item))
            schemes_by_ref.setdefault(ref, set()).update(schemes)
        index.add(source.id, item, ref)
        rows.append((item, ref, schemes))

    if new_events:
        # Core statements on the tables, not ORM bulk operations: the ORM's per-row bookkeeping
        # cost more than the SQL itself here.
        ids = session.connection().scalars(
            _INSERT_EVENTS,
            [{
                "title": item.title, "first_seen_at": now, "first_published_at": item.published_at, "last_seen_at": now,
                "item_count": 0, "source_count": 0, "growth_per_hour": 0.0, "heat": 0.0,
                "matched_schemes": sorted(schemes_by_ref[ref]), "needs_judgement": True,
            } for ref, item in new_events],
        ).all()
        for (ref, _item), event_id in zip(new_events, ids, strict=True):
            ref.id = event_id
            result.events_created.add(event_id)

    if rows:
        session.connection().execute(_INSERT_ITEMS, [{
            "source_id": source.id, "external_id": item.external_id, "event_id": ref.id if ref else None,
            "title": item.title, "text": item.text, "original_title": item.original_title,
            "original_text": item.original_text, "url": item.url, "canonical_url": item.canonical_url,
            "author": item.author, "site": item.site, "published_at": item.published_at, "fetched_at": now,
            "content_hash": item.content_hash, "title_key": item.title_key, "minhash": item.minhash,
            "metrics": item.metrics, "matched_schemes": schemes,
        } for item, ref, schemes in rows])
        result.new_items = len(rows)
        source.last_new_item_at = now

    grown = {ref.id for _i, ref, _s in rows if ref is not None} - result.events_created
    result.events_grown = grown
    if grown:
        # Union the schemes of the items that joined existing events.
        current = dict(session.execute(_EVENT_SCHEMES, {"ids": sorted(grown)}).all())
        changes = []
        for ref, names in schemes_by_ref.items():
            if ref.id in grown and not names <= set(current.get(ref.id) or []):
                changes.append({"id": ref.id, "matched_schemes": sorted(set(current.get(ref.id) or []) | names)})
        if changes:
            session.connection().execute(
                _SET_EVENT_SCHEMES, [{"event_id": c["id"], "schemes": c["matched_schemes"]} for c in changes])
    if result.events and not defer_stats:
        refresh_event_stats(session, now, result.events)
    logger.debug("source %s: %d entries, %d new, %d duplicate, %d rejected, %d events new, %d grown",
                 source.id, result.items, result.new_items, result.duplicates, result.rejected,
                 len(result.events_created), len(grown))
    return result
