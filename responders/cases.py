"""Open cases for priority events and plan their clocks and ladder steps (RULES.md section 3).

One priority event opens one case, ever: a re-judgement of the same event, or
a case later dismissed or closed, never opens a second one (`Case.event_id` is
unique, so a lost race between two processes fails instead of duplicating).

Opening writes, in the caller's transaction: the `Case`, one `Clock` per
deadline of its severity, one `ClockStep` per ladder step with an absolute UTC
`due_at`, and an `AuditEntry`. Nothing is sent here: the `opened` step is due at
the opening and the firing loop turns it into a `ClockEvent`, so an opening
notice goes out exactly once even when the process dies right after the commit.

A 待研判 (review) assessment (issue 14: the judge is not sure) opens a case too,
with status `review`: its clocks are `provisional` (the severity is the
assessment's `provisional_severity`, default general) and start by the same rule
as any case's, so a review the officer confirms has lost no time. Its ladder is
the review one (`ladder.plan_review_steps`): the on-duty officer only, at once
for a would-be major emergency and before the provisional deadline; no body or
leader hears of it until it is confirmed (`responders.review`).

Why Core statements and not ORM objects: the judgement stage opens up to a
couple of hundred cases per batch; one INSERT ... RETURNING per table for the
whole batch replaced two flushes per case and their attribute bookkeeping
(bench.ingest, 213 cases: ~0.37 s -> ~0.09 s of CPU). The rows written are the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from monitor.assessment import Assessment
from monitor.models import Event

from .assignment import Assignment, assign
from .clockplan import PlannedClock, clock_start, plan_clocks
from .config import ClocksConfig
from .directory import Directory
from .ladder import plan_review_steps, plan_steps
from .models import AuditEntry, Case, Clock, ClockStep

logger = logging.getLogger(__name__)

__all__ = ["open_case", "open_cases_for_judged", "review_event_ids", "plan_case_clocks", "plan_ladder", "case_for_event", "events_with_cases",
           "opens_case", "is_review"]

CASE, CLOCK, STEP, AUDIT = Case.__table__, Clock.__table__, ClockStep.__table__, AuditEntry.__table__
# The statements of every batch, built once (building and keying one costs ~70 us).
_IDS = bindparam("ids", expanding=True)
_WITH_CASES = select(CASE.c.event_id).where(CASE.c.event_id.in_(_IDS))
# The new cases as ORM rows, their JSON columns deferred (loaded on first access): the pipeline logs
# id, title, severity and rule; decoding five JSON columns of each was a fifth of the case stage.
_CASES = select(Case).where(Case.id.in_(_IDS)).order_by(Case.id).options(
    *(defer(c) for c in (Case.criteria, Case.localities, Case.sectors, Case.responsible, Case.rationale)))
_INSERT = {
    (CASE, ("event_id",)): insert(CASE).returning(CASE.c.id, CASE.c.event_id),
    (CLOCK, ("case_id", "kind")): insert(CLOCK).returning(CLOCK.c.id, CLOCK.c.case_id, CLOCK.c.kind),
}
_INSERT_STEPS, _INSERT_AUDIT = insert(STEP), insert(AUDIT)
_REVIEW_EVENTS = select(CASE.c.event_id).where(CASE.c.status == "review", CASE.c.event_id.is_not(None))


def is_review(assessment: Assessment) -> bool:
    """Return True for a 待研判 assessment (never a priority one: CONTRACT.md `priority` / `review`)."""
    return bool(assessment.review) and not assessment.priority


def opens_case(assessment: Assessment) -> bool:
    """Return True when `assessment` opens a case: a priority opinion with a severity, or a 待研判 item."""
    return (assessment.priority and assessment.severity is not None) or is_review(assessment)


def case_for_event(session: Session, event_id: int) -> Case | None:
    """Return the case of `event_id`, whatever its status, or None."""
    return session.exec(select(Case).where(Case.event_id == event_id)).first()


def events_with_cases(session: Session, event_ids) -> set[int]:
    """Return those of `event_ids` that have a case, whatever its status (one query per 500 ids)."""
    ids = sorted({i for i in event_ids if i is not None})
    found: set[int] = set()
    session.flush()         # as the ORM query's autoflush did: a case the session holds counts
    conn = session.connection()
    for start in range(0, len(ids), 500):
        found.update(conn.scalars(_WITH_CASES, {"ids": ids[start:start + 500]}))
    return found


def review_event_ids(session: Session) -> set[int]:
    """Return the events whose case is 待研判 (candidates of incident merging beside the priority events)."""
    return set(session.connection().scalars(_REVIEW_EVENTS))


def open_cases_for_judged(session: Session, now: datetime, judged, *, directory: Directory, config: ClocksConfig,
                          drill: bool = False, with_cases: set[int] | None = None) -> list[Case]:
    """Open a case for every priority or 待研判 (event, assessment) pair that has none yet; return the new cases.

    `judged` is a list of (event, monitor.assessment.Assessment); the event has
    `.id`, `.title`, `.first_seen_at` and `.first_published_at` (a
    monitor.models.Event, or the judgement stage's JudgedEvent).
    Non-priority assessments and events that already have a case are passed over;
    `with_cases`, when the caller has just asked `events_with_cases` about these
    events, saves asking again. Writes the batch's cases with one statement per
    table; does not commit: the caller commits the judgement and the cases together.
    """
    wanted = [(e, a) for e, a in judged if opens_case(a) and getattr(e, "merged_into_id", None) is None]
    existing = set(with_cases) if with_cases is not None else events_with_cases(session, [e.id for e, _a in wanted])
    openings = []
    for event, assessment in wanted:
        if event.id in existing:
            continue
        existing.add(event.id)
        openings.append(_opening(now, assessment=assessment, assignment=assign(assessment, directory), config=config,
                                 event=event, drill=drill))
    if not openings:
        return []
    ids = _insert_openings(session, now, openings, config)
    return list(session.scalars(_CASES, {"ids": ids}))


def open_case(session: Session, now: datetime, *, assessment: Assessment, assignment: Assignment,
              config: ClocksConfig, event: Event | None = None, title: str | None = None,
              opened_by: str = "system", drill: bool = False, description: str | None = None,
              known_new: bool = False) -> Case:
    """Open the case of `event` (or a manual case when `event` is None) and plan its clocks.

    Returns the existing case when `event` already has one (idempotent per event);
    `known_new` skips that look-up when the caller has just made it.
    Writes the rows (flushing the session first); the caller commits.
    """
    if event is not None and event.id is not None and not known_new:
        existing = case_for_event(session, event.id)
        if existing is not None:
            return existing
    opening = _opening(now, assessment=assessment, assignment=assignment, config=config, event=event, title=title,
                       opened_by=opened_by, drill=drill, description=description)
    (case_id,) = _insert_openings(session, now, [opening], config)
    return session.get(Case, case_id)


@dataclass
class _Opening:
    """A case about to be opened: its `Case` row (without id), its clocks' start and the start rule's trace."""

    row: dict[str, Any]
    start: datetime
    start_trace: str
    clocks: list[PlannedClock]
    review: bool = False


def _opening(now: datetime, *, assessment: Assessment, assignment: Assignment, config: ClocksConfig, event=None,
             title: str | None = None, opened_by: str = "system", drill: bool = False,
             description: str | None = None) -> _Opening:
    start, start_trace = clock_start(
        config, opened_at=now,
        first_seen_at=event.first_seen_at if event else None,
        first_published_at=event.first_published_at if event else None,
        superior_order_at=assessment.superior_order_at if assessment.superior_request else None,
    )
    responsible = assignment.to_record()
    responsible["trace"] = list(responsible.get("trace") or []) + [start_trace]
    review = is_review(assessment)
    severity = (assessment.provisional_severity if review else assessment.severity) or "general"
    if review:
        responsible["trace"].append("待研判：研判把握不足，暂定计时自上述起点起算；确认为重点舆情前只提醒值班员，"
                                    "不通知责任单位和领导")
    row = {
        "event_id": event.id if event else None,
        "title": title or (event.title if event else "") or "（无标题）",
        "status": "review" if review else "open", "opened_at": now, "closed_at": None, "opened_by": opened_by,
        "severity": severity,
        "especially_major": assessment.especially_major, "criteria": list(assessment.criteria),
        "localities": list(assessment.localities), "sectors": list(assessment.sectors),
        "rule": assignment.rule, "first_body": "、".join(b.name for b in assignment.first) or None,
        "responsible": responsible, "rationale": list(assessment.rationale), "acknowledged_at": None,
        "acknowledged_by": None, "drill": drill, "dismissed_reason": None, "result_url": None,
        "description": description,
    }
    return _Opening(row, start, start_trace, _planned(severity, start, config), review)


def _insert_openings(session: Session, now: datetime, openings: list[_Opening], config: ClocksConfig) -> list[int]:
    """Insert the cases, their clocks and ladder steps and their `open_case` audit entries; return the case ids.

    Rows go in the order of `openings` (ids ascend with it, as one flush per case gave them).
    """
    session.flush()
    conn = session.connection()
    ids = _inserted_ids(conn, CASE, [o.row for o in openings], ("event_id",))
    _insert_clocks(session, now, [(case_id, o.clocks) for case_id, o in zip(ids, openings)], config, with_opened=True,
                   review_ids={case_id for case_id, o in zip(ids, openings) if o.review})
    conn.execute(_INSERT_AUDIT, [{
        "case_id": case_id, "at": now, "actor": o.row["opened_by"], "action": "open_case", "detail": {
            "event_id": o.row["event_id"], "severity": o.row["severity"], "rule": o.row["rule"],
            "clocks": [c.to_record() for c in o.clocks], "start": o.start.isoformat(), "start_rule": o.start_trace,
            **({"review": True} if o.review else {}),
        }} for case_id, o in zip(ids, openings)])
    for case_id, o in zip(ids, openings):
        logger.info("case %s opened (event %s, %s, rule %s, clocks %s)", case_id, o.row["event_id"], o.row["severity"],
                    o.row["rule"], ",".join(f"{c.kind}@{c.due_at.isoformat()}" for c in o.clocks))
    return ids


def plan_case_clocks(session: Session, now: datetime, *, case: Case, started_at: datetime, config: ClocksConfig,
                     severity: str | None = None, with_opened: bool = True,
                     kinds: tuple[str, ...] | None = None, min_due_at: datetime | None = None) -> list[PlannedClock]:
    """Insert the clocks of `severity` (default: the case's) and their ladder steps; return the plan.

    `kinds` limits which clocks are made; `min_due_at` moves a deadline that would come
    sooner (a re-graded case, see `actions.change_severity`). Flushes the session first
    (a clock it holds keeps its place in the id order).
    """
    clocks = _planned(severity or case.severity, started_at, config, kinds=kinds, min_due_at=min_due_at)
    session.flush()
    _insert_clocks(session, now, [(case.id, clocks)], config, with_opened=with_opened)
    return clocks


def _planned(severity: str | None, started_at: datetime, config: ClocksConfig, *, kinds: tuple[str, ...] | None = None,
             min_due_at: datetime | None = None) -> list[PlannedClock]:
    clocks = [c for c in plan_clocks(severity, started_at, config) if kinds is None or c.kind in kinds]
    if min_due_at is not None:
        clocks = [c if c.due_at >= min_due_at else PlannedClock(c.kind, c.hours, c.started_at, min_due_at) for c in clocks]
    clocks.sort(key=lambda c: c.due_at)
    return clocks


def _insert_clocks(session: Session, now: datetime, plans: list[tuple[int, list[PlannedClock]]], config: ClocksConfig,
                   *, with_opened: bool, review_ids: set[int] | frozenset = frozenset()) -> None:
    """Insert the clocks of each (case id, planned clocks) pair, in order, and their ladder steps.

    `with_opened`: the first clock of each case gets the `opened` step and the
    T-5 follow-ups hang on it (a new case; not a re-graded one). Cases in
    `review_ids` (待研判) get `provisional` clocks and the review ladder instead.
    """
    conn = session.connection()
    rows = [{"case_id": case_id, "kind": c.kind, "hours": c.hours, "started_at": c.started_at, "due_at": c.due_at,
             "status": "provisional" if case_id in review_ids else "running", "stopped_at": None, "reason": None}
            for case_id, clocks in plans for c in clocks]
    if not rows:
        return
    clock_ids = iter(_inserted_ids(conn, CLOCK, rows, ("case_id", "kind")))
    step_rows = []
    for case_id, clocks in plans:
        ids = [next(clock_ids) for _ in clocks]
        if case_id in review_ids:
            review_steps = plan_review_steps(clocks, config, opened_at=now)
            step_rows += [_step_row(ids[i], case_id, step) for i, step in review_steps]
        else:
            step_rows += _ladder_rows(now, case_id, ids, clocks, config, with_opened=with_opened)
    if step_rows:
        conn.execute(_INSERT_STEPS, step_rows)


def _step_row(clock_id: int, case_id: int, step) -> dict[str, Any]:
    return {"clock_id": clock_id, "case_id": case_id, "step": step.step, "due_at": step.due_at, "status": step.status,
            "repeat_seconds": step.repeat_seconds, "attempt": 0, "note": step.note, "failures": 0}


def _ladder_rows(now: datetime, case_id: int, clock_ids: list[int], clocks: list[PlannedClock], config: ClocksConfig,
                 *, with_opened: bool) -> list[dict[str, Any]]:
    """Return the ladder step rows of one case's clocks (`clock_ids` in the order of `clocks`)."""
    out = []
    for i, (clock_id, planned) in enumerate(zip(clock_ids, clocks)):
        for step in plan_steps(planned, config, opened_at=now, with_opened=with_opened and i == 0):
            out.append(_step_row(clock_id, case_id, step))
    every = config.follow_up_every
    if with_opened and clocks and every:
        # T-5 持续发布: reminders from the opening until the case is closed (they survive the clock).
        out.append({
            "clock_id": clock_ids[0], "case_id": case_id, "step": "follow_up", "due_at": now + every,
            "status": "pending", "repeat_seconds": int(every.total_seconds()), "attempt": 0, "note": None,
            "failures": 0,
        })
    return out


def plan_ladder(session: Session, now: datetime, *, case_id: int, clocks, config: ClocksConfig) -> None:
    """Insert the full ladder (opening notice first, follow-ups) for existing clocks of a case.

    `clocks` are `Clock` rows (or rows with id, kind, hours, started_at, due_at); used when a
    待研判 case is confirmed: its provisional clocks keep their start and deadline, and the
    ladder is planned from the confirmation as if the case opened then (steps already
    past collapse to the latest, `ladder.plan_steps`).
    """
    ordered = sorted(clocks, key=lambda c: (c.due_at, c.id))
    planned = [PlannedClock(c.kind, c.hours, c.started_at, c.due_at) for c in ordered]
    rows = _ladder_rows(now, case_id, [c.id for c in ordered], planned, config, with_opened=True)
    if rows:
        session.flush()
        session.connection().execute(_INSERT_STEPS, rows)


def _inserted_ids(conn, table, rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[int]:
    """Insert `rows` into `table` in one statement; return their ids in the order of `rows`.

    Why match the returned rows on `key` (unique within `rows`) and not ask for
    `sort_by_parameter_order`: SQLite does not promise the order of RETURNING
    rows, so SQLAlchemy then sends one INSERT per row. Rows whose key repeats
    or is missing take that slower, ordered path.
    """
    keys = [tuple(row[k] for k in key) for row in rows]
    if len(rows) > 1 and (len(set(keys)) < len(keys) or any(None in k for k in keys)):
        return list(conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    found = {tuple(r[1:]): r[0] for r in conn.execute(_INSERT[table, key], rows)}
    return [found[k] for k in keys]
