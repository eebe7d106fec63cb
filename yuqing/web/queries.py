"""Read side of the pages and the API: the dashboard list and everything shown about one case.

Why a page of the most urgent cases and not all of them: with 10,000 open cases
a full table is megabytes of HTML no officer reads. The order comes from walking
the running clocks' partial index by deadline (see `dashboard`), then only that
page's cases and clocks are loaded. `bench/web.py` measures it against the naive
"load every case and clock, sort in Python" way.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from alerts.models import DeliveryAttempt, Notification
from monitor.models import Item, Source
from responders.models import AuditEntry, Case, Clock, ClockStep, Response

from ..tables import User
from .permissions import case_in_scope, is_liaison

__all__ = ["ACTIVE_CLOCK", "is_active", "clock_state", "DashboardRow", "Dashboard", "dashboard", "CaseView", "case_view",
           "visible_case", "PAGE_SIZE", "SOON_FRACTION", "ReviewRow", "review_queue", "REVIEW_LIMIT"]

ACTIVE_CLOCK = ("running", "overdue")
PAGE_SIZE = 50
# A clock is "about to expire" in its last fifth (5 h -> 1 h, 24 h -> 4.8 h, 48 h -> 9.6 h).
# RULES.md 3.4: the documents set no warning threshold; this one matches the reminder step's default.
SOON_FRACTION = 0.2


def is_active(clock: Clock) -> bool:
    """Return True while the clock still waits for a response (a late response leaves it `overdue`, stopped)."""
    return clock.status in ACTIVE_CLOCK and clock.stopped_at is None


def clock_state(clock: Clock, now: datetime) -> str:
    """Return on_time | soon | overdue for an active clock, else its status (met, stopped, replaced, overdue)."""
    if not is_active(clock):
        return clock.status
    if clock.status == "overdue" or clock.due_at <= now:
        return "overdue"
    if clock.due_at - now <= timedelta(hours=clock.hours * SOON_FRACTION):
        return "soon"
    return "on_time"


# What a dashboard row shows (rows of these columns, read-only).
CASE_COLUMNS = (Case.id, Case.title, Case.status, Case.severity, Case.especially_major, Case.criteria,
                Case.first_body, Case.acknowledged_at, Case.acknowledged_by, Case.drill, Case.opened_at)
CLOCK_COLUMNS = (Clock.id, Clock.case_id, Clock.kind, Clock.hours, Clock.due_at, Clock.status, Clock.stopped_at)


@dataclass
class DashboardRow:
    case: Case          # a Case, or a row of CASE_COLUMNS
    clocks: list[Clock]   # Clocks, or rows of CLOCK_COLUMNS
    next_clock: Clock | None
    state: str       # on_time | soon | overdue | answered


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    total: int
    overdue: int
    unacknowledged: int
    page: int
    pages: int


def _scoped_ids(session: Session, user: User) -> list[int] | None:
    """Return the open case ids a liaison may see, or None for everyone else (no restriction).

    The responsible record is JSON; matching it in Python keeps one code path for
    SQLite and PostgreSQL. Liaisons have few cases, so this stays cheap.
    """
    if not is_liaison(user):
        return None
    rows = session.execute(select(Case.id, Case.responsible).where(Case.status == "open")).all()
    return [cid for cid, responsible in rows if case_in_scope(user, responsible)]


def _waiting(query):
    """Restrict a clock query to the clocks still waiting for a response."""
    return query.where(Clock.status.in_(ACTIVE_CLOCK), Clock.stopped_at.is_(None))


def _deadline_stream(session: Session, chunk: int) -> Iterator[tuple[datetime, int]]:
    """Yield (due_at, case_id) of every waiting clock, nearest first.

    Running clocks come through the partial index `ix_clock_running_due` in
    chunks (an index walk, not a sort of every clock); the few clocks marked
    overdue but still unanswered are read at once and merged in.
    """
    late = sorted(session.execute(select(Clock.due_at, Clock.case_id).where(
        Clock.status == "overdue", Clock.stopped_at.is_(None))).all())

    def running() -> Iterator[tuple[datetime, int]]:
        offset = 0
        while True:
            rows = session.execute(select(Clock.due_at, Clock.case_id)
                                   .where(Clock.status == "running", Clock.stopped_at.is_(None))
                                   .order_by(Clock.due_at).limit(chunk).offset(offset)).all()
            yield from rows
            if len(rows) < chunk:
                return
            offset += chunk

    return heapq.merge(late, running())


def _ranked_ids(session: Session, *, scope: list[int] | None, want: int) -> list[int]:
    """Return the first `want` open case ids: nearest waiting deadline first, then cases with none, by id."""
    if scope is not None:
        first: dict[int, datetime] = {}
        for i in range(0, len(scope), 500):
            for due, cid in session.execute(_waiting(select(Clock.due_at, Clock.case_id))
                                            .where(Clock.case_id.in_(scope[i:i + 500]))):
                first[cid] = min(due, first.get(cid, due))
        return (sorted(first, key=lambda c: (first[c], c)) + sorted(set(scope) - set(first)))[:want]
    ranked: list[int] = []
    seen: set[int] = set()
    pending: list[int] = []

    def keep_open(ids: list[int]) -> None:
        # A waiting clock should only belong to an open case; checked anyway, per batch.
        open_ids = set(session.execute(select(Case.id).where(Case.id.in_(ids), Case.status == "open")).scalars())
        ranked.extend(i for i in ids if i in open_ids)

    for _, cid in _deadline_stream(session, chunk=max(500, want * 2)):
        if cid in seen:
            continue
        seen.add(cid)
        pending.append(cid)
        if len(pending) >= want - len(ranked):
            keep_open(pending)
            pending = []
            if len(ranked) >= want:
                return ranked[:want]
    if pending:
        keep_open(pending)
    if len(ranked) < want:
        waiting = _waiting(select(Clock.id)).where(Clock.case_id == Case.id).exists()
        rest = session.execute(select(Case.id).where(Case.status == "open", ~waiting)
                               .order_by(Case.id).limit(want - len(ranked))).scalars()
        ranked.extend(rest)
    return ranked[:want]


def dashboard(session: Session, now: datetime, *, user: User, page: int = 1, page_size: int = PAGE_SIZE) -> Dashboard:
    """Return one page of open cases, nearest deadline first (cases with no waiting clock last).

    Cost: counts are two indexed aggregates; the order walks the running clocks'
    partial index only as far as the page needs, so page 1 of 10,000 cases reads
    a few hundred index entries instead of grouping every clock.
    """
    scope = _scoped_ids(session, user)
    if scope is None:
        total, unacked = session.execute(select(func.count(Case.id), func.count(Case.id).filter(
            Case.acknowledged_at.is_(None))).where(Case.status == "open")).one()
        overdue = session.execute(_waiting(select(func.count(func.distinct(Clock.case_id))))
                                  .where(Clock.due_at <= now)).scalar_one()
    else:
        total = len(scope)
        unacked = session.execute(select(func.count(Case.id)).where(
            Case.id.in_(scope), Case.acknowledged_at.is_(None))).scalar_one() if scope else 0
        overdue = session.execute(_waiting(select(func.count(func.distinct(Clock.case_id))))
                                  .where(Clock.due_at <= now, Clock.case_id.in_(scope))).scalar_one() if scope else 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    ids = _ranked_ids(session, scope=scope, want=page * page_size)[(page - 1) * page_size:]
    # Plain rows of the listed columns, not ORM objects: the list only reads them, and skipping
    # identity-map bookkeeping and instrumented attributes halves the cost of a page.
    by_id = {c.id: c for c in session.execute(select(*CASE_COLUMNS).where(Case.id.in_(ids)))} if ids else {}
    cases = [by_id[i] for i in ids if i in by_id]
    by_case: dict[int, list] = {c.id: [] for c in cases}
    if cases:
        for clock in session.execute(select(*CLOCK_COLUMNS).where(Clock.case_id.in_(list(by_case)))
                                     .order_by(Clock.due_at)):
            by_case[clock.case_id].append(clock)
    rows = []
    for case in cases:
        clocks = by_case[case.id]
        active = [c for c in clocks if is_active(c)]
        nxt = active[0] if active else None
        rows.append(DashboardRow(case, clocks, nxt, clock_state(nxt, now) if nxt else "answered"))
    return Dashboard(rows, total, overdue, unacked, page, pages)


def visible_case(session: Session, user: User, case_id: int) -> Case | None:
    """Return the case when it exists and the user may see it, else None (the caller answers 404).

    A 待研判 case is the office's own queue: no body's duty yet, so a liaison does not see it.
    """
    case = session.get(Case, case_id)
    if case is None or not case_in_scope(user, case.responsible):
        return None
    if case.status == "review" and is_liaison(user):
        return None
    return case


REVIEW_LIMIT = 200


@dataclass
class ReviewRow:
    case: Any               # a row of CASE_COLUMNS
    clock: Any | None       # its nearest provisional clock (a row of CLOCK_COLUMNS)
    state: str              # on_time | soon | overdue, by the provisional deadline


def review_queue(session: Session, now: datetime, *, user: User, limit: int = REVIEW_LIMIT) -> tuple[list[ReviewRow], int]:
    """Return (the 待研判 cases, nearest provisional deadline first, at most `limit`; how many there are).

    Liaisons get none (see `visible_case`).
    """
    if is_liaison(user):
        return [], 0
    total = session.execute(select(func.count(Case.id)).where(Case.status == "review")).scalar_one()
    if not total:
        return [], 0
    nearest = (select(Clock.case_id, func.min(Clock.due_at).label("due"))
               .where(Clock.status == "provisional").group_by(Clock.case_id).subquery())
    ids = list(session.execute(select(Case.id).outerjoin(nearest, nearest.c.case_id == Case.id)
                               .where(Case.status == "review")
                               .order_by(nearest.c.due.is_(None), nearest.c.due, Case.id).limit(limit)).scalars())
    cases = {c.id: c for c in session.execute(select(*CASE_COLUMNS).where(Case.id.in_(ids)))}
    first: dict[int, Any] = {}
    for c in session.execute(select(*CLOCK_COLUMNS).where(Clock.case_id.in_(ids), Clock.status == "provisional")
                             .order_by(Clock.due_at, Clock.id)):
        first.setdefault(c.case_id, c)
    rows = []
    for cid in ids:
        clock = first.get(cid)
        if clock is None:
            state = "on_time"
        elif clock.due_at <= now:
            state = "overdue"
        elif clock.due_at - now <= timedelta(hours=clock.hours * SOON_FRACTION):
            state = "soon"
        else:
            state = "on_time"
        rows.append(ReviewRow(cases[cid], clock, state))
    return rows, total


@dataclass
class ClockView:
    clock: Clock
    state: str
    steps: list[tuple[ClockStep, str]]    # (step, done | next | late | pending | cancelled)


@dataclass
class CaseView:
    case: Case
    items: list[tuple[Item, str]]          # (item, source name)
    clocks: list[ClockView]
    responses: list[Response]
    notifications: list[tuple[Notification, list[DeliveryAttempt]]]
    audit: list[AuditEntry]
    item_total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _step_state(step: ClockStep, now: datetime, is_next: bool) -> str:
    if step.status == "fired":
        return "late" if (step.late_seconds or 0) > 60 else "done"
    if step.status == "cancelled":
        return "cancelled"
    if step.due_at < now:
        return "late"
    return "next" if is_next else "pending"


def case_view(session: Session, now: datetime, case: Case, *, item_limit: int = 200,
              notification_limit: int = 200) -> CaseView:
    """Return everything the case page shows, each list in time order."""
    items: list[tuple[Item, str]] = []
    item_total = 0
    if case.event_id is not None:
        item_total = session.execute(select(func.count(Item.id)).where(Item.event_id == case.event_id)).scalar_one()
        items = [(i, name) for i, name in session.execute(
            select(Item, Source.name).join(Source, Source.id == Item.source_id)
            .where(Item.event_id == case.event_id).order_by(Item.published_at, Item.id).limit(item_limit)).all()]
    clocks = session.execute(select(Clock).where(Clock.case_id == case.id).order_by(Clock.due_at, Clock.id)).scalars().all()
    steps_by_clock: dict[int, list[ClockStep]] = {c.id: [] for c in clocks}
    for step in session.execute(select(ClockStep).where(ClockStep.case_id == case.id)
                                .order_by(ClockStep.due_at, ClockStep.id)).scalars():
        steps_by_clock.setdefault(step.clock_id, []).append(step)
    views = []
    for clock in clocks:
        steps = steps_by_clock.get(clock.id, [])
        next_id = next((s.id for s in steps if s.status == "pending" and s.due_at >= now), None)
        views.append(ClockView(clock, clock_state(clock, now), [(s, _step_state(s, now, s.id == next_id)) for s in steps]))
    responses = session.execute(select(Response).where(Response.case_id == case.id)
                                .order_by(Response.at, Response.id)).scalars().all()
    notes = session.execute(select(Notification).where(Notification.case_id == case.id)
                            .order_by(Notification.created_at, Notification.id).limit(notification_limit)).scalars().all()
    attempts: dict[int, list[DeliveryAttempt]] = {n.id: [] for n in notes}
    if notes:
        for a in session.execute(select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(list(attempts)))
                                 .order_by(DeliveryAttempt.at, DeliveryAttempt.id)).scalars():
            attempts[a.notification_id].append(a)
    audit = session.execute(select(AuditEntry).where(AuditEntry.case_id == case.id)
                            .order_by(AuditEntry.at, AuditEntry.id)).scalars().all()
    return CaseView(case, items, views, list(responses), [(n, attempts[n.id]) for n in notes], list(audit), item_total)
