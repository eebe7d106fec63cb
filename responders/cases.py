"""Open cases for priority events and plan their clocks and ladder steps (RULES.md section 3).

One priority event opens one case, ever: a re-judgement of the same event, or
a case later dismissed or closed, never opens a second one (`Case.event_id` is
unique, so a lost race between two processes fails instead of duplicating).

Opening writes, in the caller's transaction: the `Case`, one `Clock` per
deadline of its severity, one `ClockStep` per ladder step with an absolute UTC
`due_at`, and an `AuditEntry`. Nothing is sent here: the `opened` step is due at
the opening and the firing loop turns it into a `ClockEvent`, so an opening
notice goes out exactly once even when the process dies right after the commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, select

from monitor.assessment import Assessment
from monitor.models import Event

from .assignment import Assignment, assign
from .clockplan import PlannedClock, clock_start, plan_clocks
from .config import ClocksConfig
from .directory import Directory
from .ladder import plan_steps
from .models import AuditEntry, Case, Clock, ClockStep

logger = logging.getLogger(__name__)

__all__ = ["open_case", "open_cases_for_judged", "plan_case_clocks", "case_for_event", "events_with_cases"]


def case_for_event(session: Session, event_id: int) -> Case | None:
    """Return the case of `event_id`, whatever its status, or None."""
    return session.exec(select(Case).where(Case.event_id == event_id)).first()


def events_with_cases(session: Session, event_ids) -> set[int]:
    """Return those of `event_ids` that have a case, whatever its status (one query per 500 ids)."""
    ids = sorted({i for i in event_ids if i is not None})
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(session.scalars(select(Case.event_id).where(Case.event_id.in_(ids[start:start + 500]))))
    return found


def open_cases_for_judged(session: Session, now: datetime, judged, *, directory: Directory,
                          config: ClocksConfig, drill: bool = False) -> list[Case]:
    """Open a case for every priority (event, assessment) pair that has none yet; return the new cases.

    `judged` is a list of (monitor.models.Event, monitor.assessment.Assessment).
    Non-priority assessments and events that already have a case are passed over.
    Flushes but does not commit: the caller commits the judgement and the cases together.
    """
    wanted = [(e, a) for e, a in judged if a.priority and a.severity is not None and getattr(e, "merged_into_id", None) is None]
    existing = events_with_cases(session, [e.id for e, _a in wanted])
    opened = []
    for event, assessment in wanted:
        if event.id in existing:
            continue
        existing.add(event.id)
        assignment = assign(assessment, directory)
        opened.append(open_case(session, now, event=event, assessment=assessment, assignment=assignment, config=config,
                                drill=drill, known_new=True))
    return opened


def open_case(session: Session, now: datetime, *, assessment: Assessment, assignment: Assignment,
              config: ClocksConfig, event: Event | None = None, title: str | None = None,
              opened_by: str = "system", drill: bool = False, description: str | None = None,
              known_new: bool = False) -> Case:
    """Open the case of `event` (or a manual case when `event` is None) and plan its clocks.

    Returns the existing case when `event` already has one (idempotent per event);
    `known_new` skips that look-up when the caller has just made it for a batch.
    Flushes; the caller commits.
    """
    if event is not None and event.id is not None and not known_new:
        existing = case_for_event(session, event.id)
        if existing is not None:
            return existing
    start, start_trace = clock_start(
        config, opened_at=now,
        first_seen_at=event.first_seen_at if event else None,
        first_published_at=event.first_published_at if event else None,
        superior_order_at=assessment.superior_order_at if assessment.superior_request else None,
    )
    responsible = assignment.to_record()
    responsible["trace"] = list(responsible.get("trace") or []) + [start_trace]
    case = Case(
        event_id=event.id if event else None,
        title=title or (event.title if event else "") or "（无标题）",
        opened_at=now, opened_by=opened_by, severity=assessment.severity or "general",
        especially_major=assessment.especially_major, criteria=list(assessment.criteria),
        localities=list(assessment.localities), sectors=list(assessment.sectors),
        rule=assignment.rule, first_body="、".join(b.name for b in assignment.first) or None,
        responsible=responsible, rationale=list(assessment.rationale), drill=drill, description=description,
    )
    session.add(case)
    session.flush()
    clocks = plan_case_clocks(session, now, case=case, started_at=start, config=config)
    session.add(AuditEntry(case_id=case.id, at=now, actor=opened_by, action="open_case", detail={
        "event_id": case.event_id, "severity": case.severity, "rule": case.rule,
        "clocks": [c.to_record() for c in clocks], "start": start.isoformat(), "start_rule": start_trace,
    }))
    session.flush()
    logger.info("case %s opened (event %s, %s, rule %s, clocks %s)", case.id, case.event_id, case.severity,
                case.rule, ",".join(f"{c.kind}@{c.due_at.isoformat()}" for c in clocks))
    return case


def plan_case_clocks(session: Session, now: datetime, *, case: Case, started_at: datetime, config: ClocksConfig,
                     severity: str | None = None, with_opened: bool = True,
                     kinds: tuple[str, ...] | None = None, min_due_at: datetime | None = None) -> list[PlannedClock]:
    """Insert the clocks of `severity` (default: the case's) and their ladder steps; return the plan.

    `kinds` limits which clocks are made; `min_due_at` moves a deadline that would come
    sooner (a re-graded case, see `actions.change_severity`).
    """
    clocks = [c for c in plan_clocks(severity or case.severity, started_at, config) if kinds is None or c.kind in kinds]
    if min_due_at is not None:
        clocks = [c if c.due_at >= min_due_at else PlannedClock(c.kind, c.hours, c.started_at, min_due_at) for c in clocks]
    clocks.sort(key=lambda c: c.due_at)
    step_rows = []
    for i, planned in enumerate(clocks):
        clock = Clock(case_id=case.id, kind=planned.kind, hours=planned.hours, started_at=planned.started_at,
                      due_at=planned.due_at)
        session.add(clock)
        session.flush()
        for step in plan_steps(planned, config, opened_at=now, with_opened=with_opened and i == 0):
            step_rows.append({
                "clock_id": clock.id, "case_id": case.id, "step": step.step, "due_at": step.due_at,
                "status": step.status, "repeat_seconds": step.repeat_seconds, "attempt": 0, "note": step.note,
                "failures": 0,
            })
    if with_opened and clocks and config.follow_up_every:
        # T-5 持续发布: reminders from the opening until the case is closed (they survive the clock).
        every = config.follow_up_every
        step_rows.append({
            "clock_id": step_rows[0]["clock_id"], "case_id": case.id, "step": "follow_up", "due_at": now + every,
            "status": "pending", "repeat_seconds": int(every.total_seconds()), "attempt": 0, "note": None, "failures": 0,
        })
    if step_rows:
        session.execute(insert(ClockStep), step_rows)
    return clocks
