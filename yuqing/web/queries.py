"""Read side of the pages and the API: the dashboard list and everything shown about one case.

Why a page of the most urgent cases and not all of them: with 10,000 open cases
a full table is megabytes of HTML no officer reads. The list is ordered by the
nearest deadline in SQL (one grouped query over the active clocks), then only
that page's clocks are loaded. `bench/web.py` measures it against the naive
"load every case and clock, sort in Python" way.
"""

from __future__ import annotations

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
           "visible_case", "PAGE_SIZE", "SOON_FRACTION"]

ACTIVE_CLOCK = ("running", "overdue")
PAGE_SIZE = 100
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


@dataclass
class DashboardRow:
    case: Case
    clocks: list[Clock]
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


def dashboard(session: Session, now: datetime, *, user: User, page: int = 1, page_size: int = PAGE_SIZE) -> Dashboard:
    """Return one page of open cases, nearest deadline first (cases with no active clock last)."""
    scope = _scoped_ids(session, user)
    due = (select(Clock.case_id, func.min(Clock.due_at).label("due"))
           .where(Clock.status.in_(ACTIVE_CLOCK), Clock.stopped_at.is_(None)).group_by(Clock.case_id).subquery())
    base = select(Case).outerjoin(due, due.c.case_id == Case.id).where(Case.status == "open")
    counts = select(func.count(Case.id), func.count(Case.id).filter(due.c.due <= now),
                    func.count(Case.id).filter(Case.acknowledged_at.is_(None))
                    ).select_from(Case).outerjoin(due, due.c.case_id == Case.id).where(Case.status == "open")
    if scope is not None:
        base = base.where(Case.id.in_(scope))
        counts = counts.where(Case.id.in_(scope))
    total, overdue, unacked = session.execute(counts).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    cases = session.execute(base.order_by(due.c.due.is_(None), due.c.due, Case.id)
                            .limit(page_size).offset((page - 1) * page_size)).scalars().all()
    by_case: dict[int, list[Clock]] = {c.id: [] for c in cases}
    if cases:
        for clock in session.execute(select(Clock).where(Clock.case_id.in_(list(by_case)))
                                     .order_by(Clock.due_at)).scalars():
            by_case[clock.case_id].append(clock)
    rows = []
    for case in cases:
        clocks = by_case[case.id]
        active = [c for c in clocks if is_active(c)]
        nxt = active[0] if active else None
        rows.append(DashboardRow(case, clocks, nxt, clock_state(nxt, now) if nxt else "answered"))
    return Dashboard(rows, total, overdue, unacked, page, pages)


def visible_case(session: Session, user: User, case_id: int) -> Case | None:
    """Return the case when it exists and the user may see it, else None (the caller answers 404)."""
    case = session.get(Case, case_id)
    if case is None or not case_in_scope(user, case.responsible):
        return None
    return case


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
