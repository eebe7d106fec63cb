"""Events (舆情事件): merging items about one incident, and the event's statistics.

An item joins an existing event of the dedupe window when, in this order:

1. its canonical URL is already in the event (the same page, seen twice);
2. its content hash is (the same text, e.g. a verbatim repost);
3. its title key is (a repost across sites: same headline, another site suffix);
4. its MinHash signature estimates a Jaccard similarity >= `NEAR_JACCARD` with an
   event item's (a lightly edited copy; monitor.signatures).

Steps 3 and 4 never join two items whose headlines and leads name different
counties or cities (`monitor.places.different_places`, the rule incident
merging uses), whatever their headlines say: a templated report reused for
another county ("煤矿发生事故" over 静乐县's and 吉县's text) is another incident.

Otherwise it opens a new event. Only items that match a keyword scheme (or all
items, with `keep_everything`) take part in events; the others are stored for
statistics and never lead to a case.

Why an in-memory index rebuilt per run and not SQL lookups per item: the ingest
budget is ~500 µs per item; one narrow query over the window's keys (a few
hundred thousand rows at most) plus dictionary lookups beats one query per key.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Text, bindparam, case, cast, func, select, update
from sqlmodel import Session

from .entries import NormalItem
from .models import Event, Item
from .places import LEAD_CHARS, different_places, places_in
from .signatures import NEAR_JACCARD, bands, similarity
from .timestamps import UTCDateTime

__all__ = ["EventRef", "EventIndex", "refresh_event_stats", "heat_score", "engagement_of"]


class EventRef:
    """A handle on an event whose id may not exist yet (an event created in this batch).

    Why: items later in the same batch must join an event opened earlier in it,
    before the batch's events are inserted (in one statement) and get their ids.
    """

    __slots__ = ("id",)

    def __init__(self, id: int | None = None):
        self.id = id

    def __repr__(self) -> str:
        return f"EventRef({self.id})"


class _Near:
    """An item of an event as a repost candidate: its signature, event, lead and (once asked) places.

    Why the places lazily: the gazetteer reads a lead in ~10 µs, and only a pair
    whose signatures already agree needs them (a small share of the items).
    """

    __slots__ = ("signature", "ref", "lead", "_places")

    def __init__(self, signature: bytes | None, ref: EventRef, lead: str):
        self.signature, self.ref, self.lead, self._places = signature, ref, lead, None

    def places(self):
        if self._places is None:
            self._places = places_in(self.lead)
        return self._places


def _lead(title: str | None, text: str | None) -> str:
    """Return what the near-duplicate place guard reads of an item: its headline and lead."""
    return f"{title or ''}\n{(text or '')[:LEAD_CHARS]}"


@dataclass
class EventIndex:
    """Keys of the recent items, each pointing at its event (None for items outside events)."""

    by_url: dict[str, EventRef] = field(default_factory=dict)
    by_hash: dict[str, EventRef] = field(default_factory=dict)
    by_title: dict[str, _Near] = field(default_factory=dict)
    by_band: dict[tuple[int, bytes], list[_Near]] = field(default_factory=lambda: defaultdict(list))
    # (source id, content hash) of every recent item: a source repeating itself adds nothing.
    seen: set[tuple[int, str]] = field(default_factory=set)
    loaded_at: datetime | None = None
    last_item_id: int = 0
    _refs: dict[int, EventRef] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, now: datetime, window: timedelta) -> "EventIndex":
        """Return the index of the items fetched within `window` before `now` (one query)."""
        index = cls(loaded_at=now)
        index._read(session, now, window)
        return index

    def refresh(self, session: Session, now: datetime, window: timedelta) -> "EventIndex":
        """Return this index with the items stored since it was read, or a new one once it is old.

        Why: the poll job runs every few seconds; re-reading the whole window
        each time would cost more than the polling. Items written meanwhile (by
        pushes, `yuqing ingest`, this process) are read by id; once the index is
        older than a twelfth of the window it is rebuilt, so that items past the
        window stop attracting new ones. An item this process added and then
        re-reads is indexed twice, which changes no answer.
        """
        if self.loaded_at is None or now < self.loaded_at or now - self.loaded_at > window / 12:
            return EventIndex.load(session, now, window)
        self._read(session, now, window)
        return self

    def _read(self, session: Session, now: datetime, window: timedelta) -> None:
        rows = session.execute(
            select(Item.id, Item.source_id, Item.event_id, Item.canonical_url, Item.content_hash, Item.title_key, Item.minhash,
                   Item.title, func.substr(Item.text, 1, LEAD_CHARS))
            .where(Item.fetched_at >= now - window, Item.id > self.last_item_id)
            .order_by(Item.id)
        )
        for item_id, source_id, event_id, url, digest, key, signature, title, lead in rows:
            self.last_item_id = max(self.last_item_id, item_id)
            self.seen.add((source_id, digest))
            if signature is not None and not isinstance(signature, bytes):
                signature = bytes(signature)     # some drivers return memoryview for bytea
            if event_id is not None:
                ref = self._refs.get(event_id) or self._refs.setdefault(event_id, EventRef(event_id))
                self._add_keys(ref, url, digest, key, signature, _lead(title, lead))

    def _add_keys(self, ref: EventRef, url, digest, key, signature, lead: str) -> None:
        if url:
            self.by_url.setdefault(url, ref)
        self.by_hash.setdefault(digest, ref)
        entry = _Near(signature, ref, lead)
        if key:
            self.by_title.setdefault(key, entry)
        if signature is not None:
            for band in bands(signature):
                self.by_band[band].append(entry)

    def is_repeat(self, source_id: int, item: NormalItem) -> bool:
        """Return True when this source already gave the same text within the window."""
        return (source_id, item.content_hash) in self.seen

    def find(self, item: NormalItem) -> EventRef | None:
        """Return the event `item` belongs to, or None when it is a new incident."""
        if item.canonical_url and item.canonical_url in self.by_url:
            return self.by_url[item.canonical_url]
        if item.content_hash in self.by_hash:
            return self.by_hash[item.content_hash]
        lead, mine = _lead(item.title, item.text), None
        if item.title_key and item.title_key in self.by_title:
            near = self.by_title[item.title_key]
            if near.lead == lead:
                return near.ref     # the same headline and lead: the same places
            mine = places_in(lead)
            if not different_places(mine, near.places()):
                return near.ref
            # The same headline over another county's or city's text ("煤矿发生事故"): not a repost of it.
        if item.minhash is not None:
            best, best_score, checked = None, NEAR_JACCARD, set()
            for band in bands(item.minhash):
                for near in self.by_band.get(band, ()):
                    if id(near) in checked:
                        continue
                    checked.add(id(near))
                    score = similarity(near.signature, item.minhash)
                    if score < best_score:
                        continue
                    if mine is None:
                        mine = places_in(lead)
                    if different_places(mine, near.places()):
                        continue    # a templated report about another county or city is another incident
                    best, best_score = near.ref, score
            return best
        return None

    def add(self, source_id: int, item: NormalItem, ref: EventRef | None) -> None:
        """Record an item being stored so that later items of the same run find it."""
        self.seen.add((source_id, item.content_hash))
        if ref is not None:
            self._add_keys(ref, item.canonical_url, item.content_hash, item.title_key, item.minhash,
                           _lead(item.title, item.text))



def engagement_of(metrics: dict) -> int:
    """Return one engagement figure from an item's metrics: views + 10 x reposts + 5 x comments."""
    return int(metrics.get("views", 0)) + 10 * int(metrics.get("reposts", 0)) + 5 * int(metrics.get("comments", 0))


def heat_score(*, item_count: int, source_count: int, growth_per_hour: float, engagement: int = 0) -> float:
    """Return the heat of an event: logarithmic in items, sources, growth and engagement, about 0-100.

    Why logarithmic: the tenth repost says less than the second, and a single
    viral post with a million views must not outrank a story on twenty sites.
    """
    value = (
        12 * math.log2(1 + item_count)
        + 18 * math.log2(1 + max(source_count - 1, 0))
        + 10 * math.log2(1 + max(growth_per_hour, 0.0))
        + 4 * math.log10(1 + max(engagement, 0))
    )
    return round(min(value, 100.0), 1)


# The statements of `refresh_event_stats`, built once. Why: building the grouped select (a dozen
# SQL functions) and its cache key cost more than running it (ingest benchmark: ~0.1 s CPU per
# 200 feeds). Feed items store "{}" as metrics, compared as text (PostgreSQL's json type has no
# equality operator).
_ITEM, _EVENT = Item.__table__, Event.__table__
_HAS_METRICS = cast(_ITEM.c.metrics, Text) != "{}"
_STATS = select(
    _ITEM.c.event_id, func.count(), func.count(func.distinct(_ITEM.c.source_id)), func.min(_ITEM.c.fetched_at),
    func.min(_ITEM.c.published_at), func.max(_ITEM.c.fetched_at),
    func.sum(case((func.coalesce(_ITEM.c.published_at, _ITEM.c.fetched_at) > bindparam("hour_ago", type_=UTCDateTime), 1), else_=0)),
    func.sum(case((_HAS_METRICS, 1), else_=0)),
).where(_ITEM.c.event_id.in_(bindparam("ids", expanding=True))).group_by(_ITEM.c.event_id)
_METRICS = select(_ITEM.c.event_id, _ITEM.c.metrics).where(_ITEM.c.event_id.in_(bindparam("ids", expanding=True)), _HAS_METRICS)
_STAT_COLUMNS = ("item_count", "source_count", "first_seen_at", "first_published_at", "last_seen_at", "growth_per_hour", "heat")
# Core executemany by primary key (bound as "event_id": "id" is taken by the column).
_UPDATE_STATS = update(_EVENT).where(_EVENT.c.id == bindparam("event_id")).values(
    **{name: bindparam(name) for name in _STAT_COLUMNS}, needs_judgement=True)


def refresh_event_stats(session: Session, now: datetime, event_ids: Iterable[int]) -> None:
    """Recompute the statistics of `event_ids` from their items and flag them for judgement.

    first seen/published, last seen, item count, distinct sources, items in
    the last hour (growth per hour), engagement (pushed and searched items'
    metrics) and heat; in grouped queries of 500 events. Every refreshed event
    was created or grew, so `needs_judgement` becomes True: judgement looks again.
    The items' metrics are read only for the events that have items with metrics
    (the grouped query counts them): feed items have none.
    """
    ids = sorted(set(event_ids))
    hour_ago = now - timedelta(hours=1)
    updates = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(_STATS, {"ids": chunk, "hour_ago": hour_ago}).all()
        engagement: dict[int, int] = defaultdict(int)
        with_metrics = [row[0] for row in rows if row[7]]
        if with_metrics:
            for event_id, metrics in session.execute(_METRICS, {"ids": with_metrics}):
                if metrics:
                    engagement[event_id] += engagement_of(metrics)
        for event_id, count, sources, first_seen, first_published, last_seen, last_hour, _metrics in rows:
            growth = float(last_hour or 0)
            updates.append({
                "event_id": event_id, "item_count": count, "source_count": sources, "first_seen_at": first_seen,
                "first_published_at": first_published, "last_seen_at": last_seen, "growth_per_hour": growth,
                "heat": heat_score(item_count=count, source_count=sources, growth_per_hour=growth,
                                   engagement=engagement.get(event_id, 0)),
            })
    if updates:
        session.connection().execute(_UPDATE_STATS, updates)
