"""The daemon's judgement stage: judge every event that needs it and store the outcome.

Why set-based statements and not a loop of ORM reads and writes: the stage runs
for every event the ingest creates or grows, inside the ingest budget
(issue 3: 2,000 items/s end to end). Per batch it claims the events with one
conditional UPDATE ... RETURNING of the columns it reads, reads their items'
ids and then the text of the chosen items, writes the Judgement rows with one
INSERT and the events' latest judgement with one executemany, and hands the
stages after it plain records (`JudgedEvent`), not ORM rows.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, insert, select, update
from sqlmodel import Session

from ..assessment import Assessment, ItemInput
from ..incidents import IncidentFeatures, forward_merged, incident_features
from ..models import Event, Item, Judgement
from .judge import Judge
from .record import judgement_record

__all__ = ["judge_pending_events", "event_input", "JudgedEvent"]

logger = logging.getLogger(__name__)

EVENT, ITEM, JUDGEMENT = Event.__table__, Item.__table__, Judgement.__table__
_CLAIMED = (EVENT.c.id, EVENT.c.title, EVENT.c.first_seen_at, EVENT.c.first_published_at, EVENT.c.item_count,
            EVENT.c.source_count, EVENT.c.growth_per_hour, EVENT.c.priority, EVENT.c.severity, EVENT.c.incident,
            EVENT.c.merged_into_id)
_TIMES = (EVENT.c.id, EVENT.c.first_seen_at, EVENT.c.first_published_at)

# The statements of every batch, built once. Why: building and keying a statement costs ~70 us,
# and each batch runs eight of them.
_IDS = bindparam("ids", expanding=True)
_CLAIM = (update(EVENT)
          .where(EVENT.c.id.in_(select(EVENT.c.id).where(EVENT.c.needs_judgement == True)  # noqa: E712
                                .order_by(EVENT.c.id).limit(bindparam("limit")).scalar_subquery()),
                 EVENT.c.needs_judgement == True)  # noqa: E712
          .values(needs_judgement=False).returning(*_CLAIMED))
# Compared as text: PostgreSQL's json type has no equality operator (feed items store "{}").
_ITEM_IDS = select(ITEM.c.event_id, ITEM.c.id, cast(ITEM.c.metrics, Text) != "{}").where(ITEM.c.event_id.in_(_IDS))
_ITEM_TEXTS = (select(ITEM.c.event_id, ITEM.c.source_id, ITEM.c.title, ITEM.c.text)
               .where(ITEM.c.id.in_(_IDS)).order_by(ITEM.c.id))
_ITEM_METRICS = (select(ITEM.c.event_id, ITEM.c.metrics)
                 .where(ITEM.c.event_id.in_(_IDS), cast(ITEM.c.metrics, Text) != "{}"))
_INSERT_JUDGEMENTS = insert(JUDGEMENT)
_UPDATE_EVENTS = update(EVENT).where(EVENT.c.id == bindparam("event_id")).values(
    priority=bindparam("priority"), severity=bindparam("severity"), judged_at=bindparam("judged_at"),
    incident=bindparam("incident"))


@dataclass(frozen=True, slots=True)
class JudgedEvent:
    """What the stages after the judgement read of a judged event (incidents, cases), as stored after it.

    Why not the ORM `Event`: loading 200 events per batch as ORM rows (identity
    map, JSON decoding of `incident` and `matched_schemes`) cost ~0.15 s of the
    2,788 judgements of bench.ingest, and the pipeline's commit expired them anyway.
    """

    id: int
    title: str
    first_seen_at: datetime
    first_published_at: datetime | None
    incident: dict[str, Any] | None
    merged_into_id: int | None = None


# How much of an event's text is judged: the first items carry the incident, the latest its news
# (a death toll that rose); more adds cost, not facts.
MAX_ITEMS = 8
MAX_CHARS = 4000


def event_input(event, items: list, metrics: list[dict] | None = None) -> ItemInput:
    """Return the ItemInput of an event: its items' text, the largest metrics, and the event signals.

    `items` (with .title, .text, .source_id) are the items judged, in order;
    `metrics` the metrics of all of the event's items (default: those of `items`).
    """
    parts, size = [], 0
    for item in items[:MAX_ITEMS]:
        piece = f"{item.title}\n{item.text}"
        parts.append(piece[: MAX_CHARS - size])
        size += len(parts[-1])
        if size >= MAX_CHARS:
            break
    metrics = [i.metrics for i in items] if metrics is None else metrics
    views = reposts = comments = None
    if any(metrics):        # feed items have none: skip the three scans
        views, reposts, comments = (_largest(metrics, key) for key in ("views", "reposts", "comments"))
    return ItemInput(
        id=str(event.id), title=event.title, text="\n".join(parts), published=event.first_published_at,
        views=views, reposts=reposts, comments=comments,
        item_count=max(event.item_count, len(items)), source_count=max(event.source_count, len({i.source_id for i in items})),
        growth_per_hour=event.growth_per_hour,
    )


def _largest(metrics: list[dict], key: str) -> int | None:
    values = [v for v in ((m or {}).get(key) for m in metrics) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return int(max(values)) if values else None


def _claim(session: Session, limit: int) -> list:
    """Return the rows of up to `limit` events flagged for judgement, claimed by clearing the flag.

    The conditional UPDATE ... RETURNING claims only rows still flagged, so two
    workers never both judge one change (HC Flip pattern, for a whole batch).
    """
    # One statement returns the columns the judgement reads (not matched_schemes: one JSON column fewer
    # to decode per event); RETURNING has no order.
    return sorted(session.connection().execute(_CLAIM, {"limit": limit}).all(), key=lambda r: r.id)


def _items(session: Session, event_ids: list[int]) -> tuple[dict[int, list], dict[int, list[dict]]]:
    """Return ({event: its first and latest items}, {event: metrics of its items that have some}).

    Why the ids first, then the text of the chosen items: an event of thousands
    of reposts is judged on MAX_ITEMS of them, and only those are read with their
    text. The first pass also tells which events have items with metrics (feed
    items store "{}"), so that metrics are read only for those. Three plain
    queries replaced a window function over the batch's items and a second scan
    of them (bench.ingest: ~20% fewer instructions in this function).
    """
    conn = session.connection()
    half = MAX_ITEMS // 2
    ids_of: dict[int, list[int]] = defaultdict(list)
    with_metrics = set()
    for event_id, item_id, has_metrics in conn.execute(_ITEM_IDS, {"ids": event_ids}):
        ids_of[event_id].append(item_id)
        if has_metrics:
            with_metrics.add(event_id)
    chosen = []
    for ids in ids_of.values():
        if len(ids) > MAX_ITEMS:
            ids.sort()
            chosen += ids[:half] + ids[half - MAX_ITEMS:]
        else:
            chosen += ids
    items: dict[int, list] = defaultdict(list)
    for row in conn.execute(_ITEM_TEXTS, {"ids": chosen}):
        items[row.event_id].append(row)
    metrics: dict[int, list[dict]] = defaultdict(list)
    if with_metrics:
        for event_id, m in conn.execute(_ITEM_METRICS, {"ids": sorted(with_metrics)}):
            if m:
                metrics[event_id].append(m)
    return items, metrics


def judge_pending_events(session: Session, now: datetime, judge: Judge, *,
                         limit: int = 100) -> list[tuple[JudgedEvent, Assessment]]:
    """Judge up to `limit` events flagged `needs_judgement`; return (event, assessment) per event judged.

    Each event gets a new `Judgement` row (the CONTRACT record, `responsible` and
    `clocks` left to the case stage) and its latest priority/severity copied onto
    the row, with its incident features when it is a priority (monitor.incidents).
    An event whose judgement raises is logged and given an error record rather
    than retried in a loop. An event already merged into another (items can
    still join it until the ingest's index is rebuilt) is not judged: its items
    move on to its target (`incidents.forward_merged`). Commits; returns an empty
    list when there was nothing to do.
    """
    session.flush()
    rows = _claim(session, limit)
    if not rows:
        return []
    merged = [r.id for r in rows if r.merged_into_id is not None]
    refreshed = set(forward_merged(session, now, merged).values()) if merged else set()
    rows = [r for r in rows if r.merged_into_id is None]
    items, metrics = _items(session, [r.id for r in rows])
    judgements, updates, assessments, incidents = [], [], {}, {}
    for event in rows:
        started = time.perf_counter()
        event_items = items.get(event.id, [])
        try:
            assessment = judge.assess(event_input(event, event_items, metrics.get(event.id, [])), now)
        except Exception as e:  # noqa: BLE001 - one bad event must not stop the stage
            logger.exception("event %s: judgement failed", event.id)
            judgements.append({"event_id": event.id, "created_at": now, "classifier": judge.classifier, "priority": False,
                               "severity": None, "especially_major": False,
                               "record": {"id": str(event.id), "error": f"{type(e).__name__}: {e}"}})
            updates.append({"event_id": event.id, "priority": event.priority, "severity": event.severity,
                            "judged_at": now, "incident": event.incident})
            continue
        record = judgement_record(str(event.id), assessment)
        record["facts"] = {
            "national_policy": assessment.national_policy, "superior_request": assessment.superior_request,
            "policy_documents": list(assessment.policy_documents),
            "drafting_bodies": [list(p) for p in assessment.drafting_bodies],
            "named_bodies": [list(p) for p in assessment.named_bodies],
            "lead_sector": assessment.lead_sector,
            "localities_inside": list(assessment.extra.get("localities_inside", [])),
        }
        incident = event.incident
        if assessment.priority or assessment.review:      # a 待研判 event can be one report of an incident too
            features = incident_features(assessment, event_items, judge.gazetteer)
            before = IncidentFeatures.from_json(incident)
            incident = (features.combined(before) if before else features).to_json()
        judgements.append({"event_id": event.id, "created_at": now, "classifier": judge.classifier,
                           "priority": assessment.priority, "severity": assessment.severity,
                           "especially_major": assessment.especially_major, "record": record})
        updates.append({"event_id": event.id, "priority": assessment.priority, "severity": assessment.severity,
                        "judged_at": now, "incident": incident})
        assessments[event.id] = assessment
        incidents[event.id] = incident
        logger.info("event %s judged priority=%s severity=%s criteria=%s in %.1f ms", event.id, assessment.priority,
                    assessment.severity, ",".join(assessment.criteria), (time.perf_counter() - started) * 1000)
    conn = session.connection()
    if judgements:
        conn.execute(_INSERT_JUDGEMENTS, judgements)
        conn.execute(_UPDATE_EVENTS, updates)
    session.commit()
    if not assessments:
        return []
    # What the stages after this one read, as stored now: the claimed row and the incident just written,
    # with the times read again for the events `forward_merged` refreshed after the claim.
    times = {}
    if refreshed & assessments.keys():
        times = {r.id: r for r in session.connection().execute(select(*_TIMES).where(EVENT.c.id.in_(refreshed)))}
    out = []
    for r in rows:
        if r.id in assessments:
            t = times.get(r.id, r)
            event = JudgedEvent(r.id, r.title, t.first_seen_at, t.first_published_at, incidents[r.id])
            out.append((event, assessments[r.id]))
    return out


def judged_inputs(session: Session, events) -> dict[int, ItemInput]:
    """Return, per event id, the ItemInput `judge_pending_events` judges the event on (its merged text).

    `events` have `.id`, `.title`, `.first_published_at`, `.item_count`, `.source_count` and
    `.growth_per_hour` (monitor.models.Event). Used to store an officer's decision with the
    text that was judged (responders.labels).
    """
    events = list(events)
    items, metrics = _items(session, [e.id for e in events])
    return {e.id: event_input(e, items.get(e.id, []), metrics.get(e.id, [])) for e in events}
