"""Fire due ladder steps: claim them by compare-and-swap and write the outbox in the same transaction.

The database is the source of truth (issue 6, RULES.md section 3): every step
is a `ClockStep` row with an absolute UTC `due_at`. `fire_due_steps` follows
healthchecks' `sendalerts` loop:

1. select a batch of pending steps with `due_at <= now` (partial index on pending);
2. decide each one in Python, without writing: fire it (a `ClockEvent` with its
   recipients resolved *now*), cancel it (its clock or case has stopped), or, when
   deciding raised, push its `due_at` forward by `retry_after` and log (a record
   that raises must not become a crash loop);
3. claim the steps to fire with one conditional UPDATE
   ``SET status='fired' WHERE id IN (...) AND status='pending' RETURNING id``;
   only the returned ids are ours ("another process got there first" otherwise);
4. in the same transaction: insert their ClockEvents, their next repeats, mark
   expired clocks `overdue`, cancel repeats the new steps supersede; commit.

Why one UPDATE per batch and not one per row: the claim is the same
compare-and-swap per row (the WHERE re-checks `status`), but a catch-up of
10,000 clocks after an hour down costs a handful of statements instead of tens
of thousands of round trips (bench/clocks.py measures both).

Steps fired after their due time (downtime, a slow batch) carry `late_seconds`
on the row and in the event payload.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Numeric, and_, cast, func, insert, literal, select, update
from sqlalchemy import case as sql_case
from sqlmodel import Session

from monitor.models import Item
from monitor.timestamps import UTCDateTime

from .config import ClocksConfig
from .directory import Directory
from .ladder import EVENT_KIND, NOTICE_STEPS, REVIEW_STEPS, Recipients
from .models import Case, Clock, ClockEvent, ClockStep

logger = logging.getLogger(__name__)

__all__ = ["fire_due_steps", "fire_batch", "next_due_at", "BatchResult", "event_payload"]

_STEP = ClockStep.__table__
_CLOCK = Clock.__table__
_CASE = Case.__table__
_LIVE_CLOCK = ("running", "overdue")
_REVIEW_CLOCK = ("provisional",)
_EVIDENCE_PER_CASE = 5
_ORDER = ("opened", "reminder", "leader", "overdue")


@dataclass
class BatchResult:
    selected: int = 0
    fired: int = 0
    cancelled: int = 0
    failed: int = 0
    lost: int = 0            # claimed by another process first
    max_late_seconds: float = 0.0
    step_ids: list[int] = field(default_factory=list)


def next_due_at(session: Session) -> datetime | None:
    """Return the earliest pending step's due time, or None when nothing is planned."""
    return session.execute(
        select(_STEP.c.due_at).where(_STEP.c.status == "pending").order_by(_STEP.c.due_at).limit(1)
    ).scalar()


def fire_due_steps(session: Session, now: datetime, *, directory: Directory, config: ClocksConfig,
                   holder: str = "local", batch: int = 1000, budget_seconds: float | None = None,
                   recipients: Recipients | None = None) -> int:
    """Fire every step due at `now`, batch by batch; return how many fired (0: there was no work).

    `budget_seconds` (wall time) stops between batches so a daemon job stays short;
    what is left is due and is picked up on the next call. `recipients` may be kept
    by the caller across calls (it indexes the directory's officers once).
    """
    started = time.perf_counter()
    total = 0
    recipients = recipients or Recipients(directory, config)
    while True:
        result = fire_batch(session, now, directory=directory, config=config, holder=holder, batch=batch,
                            recipients=recipients)
        total += result.fired
        if result.selected < batch:
            return total
        if budget_seconds is not None and time.perf_counter() - started > budget_seconds:
            return total


def event_payload(*, case: dict, clock: dict, step: str, attempt: int, late_seconds: float,
                  evidence: list[str], note: str | None = None) -> dict[str, Any]:
    """Return the ClockEvent payload (the format the alerts package reads; extend, never rename)."""
    responsible = case["responsible"] or {}
    return {
        "case_id": case["id"], "title": case["title"], "severity": case["severity"],
        "especially_major": bool(case["especially_major"]), "criteria": list(case["criteria"] or []),
        "clock_kind": clock["kind"], "clock_hours": clock["hours"], "due_at": clock["due_at"].isoformat(),
        "step": step, "late_seconds": round(late_seconds, 3),
        "first": list(responsible.get("first") or []), "trace": list(responsible.get("trace") or []),
        "evidence": evidence, "drill": bool(case["drill"]), "attempt": attempt, "note": note,
    }


def fire_batch(session: Session, now: datetime, *, directory: Directory, config: ClocksConfig,
               holder: str = "local", batch: int = 1000, recipients: Recipients | None = None) -> BatchResult:
    """Fire at most `batch` due steps in one transaction; return what happened (commits)."""
    result = BatchResult()
    rows = session.execute(
        select(
            _STEP.c.id, _STEP.c.step, _STEP.c.due_at, _STEP.c.attempt, _STEP.c.repeat_seconds, _STEP.c.clock_id,
            _STEP.c.case_id, _STEP.c.note, _CLOCK.c.kind.label("clock_kind"), _CLOCK.c.hours.label("clock_hours"),
            _CLOCK.c.due_at.label("clock_due_at"), _CLOCK.c.status.label("clock_status"),
            _CASE.c.status.label("case_status"), _CASE.c.title, _CASE.c.severity, _CASE.c.especially_major,
            _CASE.c.criteria, _CASE.c.responsible, _CASE.c.drill, _CASE.c.event_id,
        )
        .join(_CLOCK, _CLOCK.c.id == _STEP.c.clock_id)
        .join(_CASE, _CASE.c.id == _STEP.c.case_id)
        .where(_STEP.c.status == "pending", _STEP.c.due_at <= now)
        .order_by(_STEP.c.due_at, _STEP.c.id)
        .limit(batch)
    ).all()
    result.selected = len(rows)
    if not rows:
        session.rollback()
        return result

    evidence = _evidence(session, {r.event_id for r in rows if r.event_id is not None})
    if recipients is None or recipients.directory is not directory or recipients.config is not config:
        recipients = Recipients(directory, config)
    recipients.clear()
    to_fire: dict[int, dict] = {}
    to_cancel: dict[int, str] = {}
    failures: list[tuple[int, str]] = []
    for r in rows:
        review_step = r.step in REVIEW_STEPS
        if review_step:
            # 待研判 (issue 14): only while the case is still in review and its provisional clock runs.
            if r.case_status != "review" or r.clock_status not in _REVIEW_CLOCK:
                to_cancel[r.id] = "已不在待研判队列" if r.case_status != "review" else f"时钟已停止（{r.clock_status}）"
                continue
        elif r.step not in NOTICE_STEPS:
            if r.case_status != "open":
                to_cancel[r.id] = f"案件已{'结案' if r.case_status == 'closed' else '撤销'}"
                continue
            if r.step != "follow_up" and r.clock_status not in _LIVE_CLOCK:
                to_cancel[r.id] = f"时钟已停止（{r.clock_status}）"
                continue
        try:
            late = max((now - r.due_at).total_seconds(), 0.0)
            # A review step names no body (no body's group channel may get it) and carries its note as the text.
            responsible = {} if review_step else r.responsible
            case = {"id": r.case_id, "title": r.title, "severity": r.severity, "especially_major": r.especially_major,
                    "criteria": r.criteria, "responsible": responsible, "drill": r.drill}
            clock = {"kind": r.clock_kind, "hours": r.clock_hours, "due_at": r.clock_due_at}
            people = recipients.for_step(r.step, responsible=responsible or {},
                                         especially_major=bool(r.especially_major), at=now)
            to_fire[r.id] = {
                "row": r, "late": late,
                "event": {
                    "case_id": r.case_id, "clock_id": r.clock_id, "step_id": r.id, "kind": EVENT_KIND[r.step],
                    "created_at": now, "recipients": people,
                    "payload": event_payload(case=case, clock=clock, step=r.step, attempt=r.attempt, late_seconds=late,
                                             evidence=evidence.get(r.event_id, []), note=r.note),
                },
            }
            if review_step:
                to_fire[r.id]["event"]["payload"].update(review=True, text=r.note or "")
        except Exception as e:  # noqa: BLE001 - one bad record must not stop the others (STYLE.md 3)
            logger.exception("clock step %s (case %s) failed, retrying in %s", r.id, r.case_id, config.retry_after)
            failures.append((r.id, f"{type(e).__name__}: {e}"))

    claimed: set[int] = set()
    ids = list(to_fire)
    late_expr = _late_seconds_sql(session, now)
    for chunk in _chunks(ids, 500):
        claimed.update(session.execute(
            update(_STEP)
            .where(_STEP.c.id.in_(chunk), _STEP.c.status == "pending")
            .values(status="fired", fired_at=now, fired_by=holder, late_seconds=late_expr)
            .returning(_STEP.c.id)
        ).scalars())
    result.lost = len(ids) - len(claimed)
    fired = [to_fire[i] for i in ids if i in claimed]
    if fired:
        _supersede_repeats(session, fired)
        # Within one batch (a catch-up), an earlier step's repeat is not renewed when a later step
        # of the same clock fired alongside it.
        top: dict[int, int] = {}
        for f in fired:
            if f["row"].step in _ORDER:
                top[f["row"].clock_id] = max(top.get(f["row"].clock_id, -1), _ORDER.index(f["row"].step))
        repeats = [_repeat_row(f["row"], now, config) for f in fired if f["row"].repeat_seconds
                   and f["row"].step not in NOTICE_STEPS and _may_repeat(f["row"], config) and (
            f["row"].step == "follow_up" or _ORDER.index(f["row"].step) >= top[f["row"].clock_id])]
        if repeats:
            session.execute(insert(_STEP), repeats)
        overdue_clocks = sorted({f["row"].clock_id for f in fired if f["row"].step == "overdue"})
        for chunk in _chunks(overdue_clocks, 500):
            session.execute(update(_CLOCK).where(_CLOCK.c.id.in_(chunk), _CLOCK.c.status == "running")
                            .values(status="overdue", reason="超过时限未确认回应（记入通报）"))
        session.execute(insert(ClockEvent.__table__), [f["event"] for f in fired])
    for reason, chunk_ids in _group(to_cancel).items():
        for chunk in _chunks(chunk_ids, 500):
            result.cancelled += session.execute(
                update(_STEP).where(_STEP.c.id.in_(chunk), _STEP.c.status == "pending")
                .values(status="cancelled", note=reason)).rowcount
    for step_id, error in failures:
        session.execute(
            update(_STEP).where(_STEP.c.id == step_id, _STEP.c.status == "pending")
            .values(due_at=now + config.retry_after, failures=_STEP.c.failures + 1, last_error=error[:2000]))
    session.commit()

    result.fired = len(fired)
    result.step_ids = [f["row"].id for f in fired]
    result.failed = len(failures)
    result.max_late_seconds = max((f["late"] for f in fired), default=0.0)
    late = [f for f in fired if f["late"] >= 60]
    for f in late[:10]:
        r = f["row"]
        logger.warning("case %s %s %s fired %.0fs late", r.case_id, r.clock_kind, r.step, f["late"])
    if len(late) > 10:
        logger.warning("%d more clock steps fired late (catch-up after downtime?), up to %.0fs", len(late) - 10,
                       max(f["late"] for f in late))
    if fired:
        logger.info("fired %d clock steps (%d cancelled, %d failed, %d taken by another process, max %.1fs late)",
                    result.fired, result.cancelled, result.failed, result.lost, result.max_late_seconds)
    return result


def _late_seconds_sql(session: Session, now: datetime):
    """Return the SQL for max(now - due_at, 0) in seconds, rounded to ms (computed in the claiming UPDATE).

    Why in SQL: one statement claims and stamps the whole batch, instead of a second
    per-row UPDATE (the catch-up after downtime writes tens of thousands of rows).
    """
    at = literal(now, UTCDateTime())
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", at - _STEP.c.due_at)
    else:
        seconds = (func.julianday(at) - func.julianday(_STEP.c.due_at)) * 86400.0
    return func.round(cast(sql_case((seconds > 0, seconds), else_=0.0), Numeric), 3)


def _may_repeat(r, config: ClocksConfig) -> bool:
    """Return True while a ladder step has repeats left (`max_repeats`; the 持续发布 follow-ups are not capped)."""
    cap = config.ladder.max_repeats
    return r.step == "follow_up" or not cap or r.attempt < cap


def _repeat_row(r, now: datetime, config: ClocksConfig) -> dict:
    # From the firing instant, not from due_at: after a long downtime a repeat planned from
    # due_at would already be due and the loop would send a burst of catch-up repeats.
    attempt = r.attempt + 1
    wait = r.repeat_seconds if r.step == "follow_up" else r.repeat_seconds * config.ladder.repeat_backoff ** r.attempt
    cap = config.ladder.max_repeats
    note = None
    if r.step != "follow_up" and cap and attempt == cap:
        note = f"第{attempt}次重复提醒，也是最后一次：此后不再重复，请值班员电话督办"
    elif r.step != "follow_up" and attempt > 0:
        note = f"第{attempt}次重复提醒" + (f"（最多{cap}次）" if cap else "")
    return {"clock_id": r.clock_id, "case_id": r.case_id, "step": r.step,
            "due_at": now + timedelta(seconds=wait), "status": "pending",
            "repeat_seconds": r.repeat_seconds, "attempt": attempt, "failures": 0, "note": note}


def _supersede_repeats(session: Session, fired: list[dict]) -> None:
    """Cancel pending repeats of earlier steps on the clocks where a new ladder step fired."""
    clocks = sorted({f["row"].clock_id for f in fired if f["row"].attempt == 0 and f["row"].step not in ("opened", "follow_up")})
    for chunk in _chunks(clocks, 500):
        session.execute(
            update(_STEP).where(and_(_STEP.c.clock_id.in_(chunk), _STEP.c.status == "pending", _STEP.c.attempt > 0,
                                     _STEP.c.step.not_in(("follow_up",))))
            .values(status="cancelled", note="已由下一级提醒代替"))


def _evidence(session: Session, event_ids: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(event_ids), 500):
        for event_id, url in session.execute(
                select(Item.event_id, Item.url).where(Item.event_id.in_(chunk), Item.url.is_not(None))
                .order_by(Item.event_id, Item.id)):
            if len(out[event_id]) < _EVIDENCE_PER_CASE and url not in out[event_id]:
                out[event_id].append(url)
    return out


def _group(mapping: dict[int, str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for key, value in mapping.items():
        out[value].append(key)
    return out


def _chunks(values: list, size: int):
    for i in range(0, len(values), size):
        yield values[i:i + size]
