"""The daemon's judgement stage: judge every event that needs it and store the outcome."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from ..assessment import Assessment, ItemInput
from ..models import Event, Item, Judgement
from .judge import Judge
from .record import judgement_record

__all__ = ["judge_pending_events", "event_input"]

logger = logging.getLogger(__name__)

# How much of an event's text is judged: the first items carry the incident; more adds cost, not facts.
MAX_ITEMS = 8
MAX_CHARS = 4000


def event_input(event: Event, items: list[Item]) -> ItemInput:
    """Return the ItemInput of an event: its items' text, the largest metrics, and the event signals."""
    parts, size = [], 0
    for item in items[:MAX_ITEMS]:
        piece = f"{item.title}\n{item.text}"
        parts.append(piece[: MAX_CHARS - size])
        size += len(parts[-1])
        if size >= MAX_CHARS:
            break

    def largest(key: str) -> int | None:
        values = [v for v in ((i.metrics or {}).get(key) for i in items) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return int(max(values)) if values else None

    return ItemInput(
        id=str(event.id), title=event.title, text="\n".join(parts), published=event.first_published_at,
        views=largest("views"), reposts=largest("reposts"), comments=largest("comments"),
        item_count=max(event.item_count, len(items)), source_count=max(event.source_count, len({i.source_id for i in items})),
        growth_per_hour=event.growth_per_hour,
    )


def judge_pending_events(session: Session, now: datetime, judge: Judge, *, limit: int = 100) -> list[tuple[Event, Assessment]]:
    """Judge up to `limit` events flagged `needs_judgement`; return (event, assessment) per event judged.

    Each event gets a new `Judgement` row (the CONTRACT record, `responsible` and
    `clocks` left to the case stage) and its latest priority/severity copied onto
    the row. The flag is cleared with a conditional UPDATE, so two workers never
    both judge one change (HC Flip pattern). An event whose judgement raises is
    logged and cleared with an error record rather than retried in a loop.
    Returns an empty list when there was nothing to do.
    """
    events = session.exec(select(Event).where(Event.needs_judgement == True).order_by(Event.id).limit(limit)).all()  # noqa: E712
    done: list[tuple[Event, Assessment]] = []
    for event in events:
        started = time.perf_counter()
        claimed = session.execute(
            update(Event).where(Event.id == event.id, Event.needs_judgement == True).values(needs_judgement=False)  # noqa: E712
        ).rowcount
        if claimed != 1:
            continue          # another worker got there first
        items = session.exec(select(Item).where(Item.event_id == event.id).order_by(Item.id)).all()
        try:
            assessment = judge.assess(event_input(event, list(items)), now)
        except Exception as e:  # noqa: BLE001 - one bad event must not stop the stage
            logger.exception("event %s: judgement failed", event.id)
            session.add(Judgement(event_id=event.id, created_at=now, classifier=judge.classifier, priority=False,
                                  record={"id": str(event.id), "error": f"{type(e).__name__}: {e}"}))
            event.judged_at = now
            event.needs_judgement = False
            session.add(event)
            continue
        record = judgement_record(str(event.id), assessment)
        record["facts"] = {
            "national_policy": assessment.national_policy, "superior_request": assessment.superior_request,
            "policy_documents": list(assessment.policy_documents),
            "drafting_bodies": [list(p) for p in assessment.drafting_bodies],
            "named_bodies": [list(p) for p in assessment.named_bodies],
            "localities_inside": list(assessment.extra.get("localities_inside", [])),
        }
        session.add(Judgement(event_id=event.id, created_at=now, classifier=judge.classifier, priority=assessment.priority,
                              severity=assessment.severity, especially_major=assessment.especially_major, record=record))
        event.priority = assessment.priority
        event.severity = assessment.severity
        event.judged_at = now
        event.needs_judgement = False
        session.add(event)
        done.append((event, assessment))
        logger.info("event %s judged priority=%s severity=%s criteria=%s in %.1f ms", event.id, assessment.priority,
                    assessment.severity, ",".join(assessment.criteria), (time.perf_counter() - started) * 1000)
    session.commit()
    return done
