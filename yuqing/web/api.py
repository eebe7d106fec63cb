"""The JSON API under /api (CONTRACT.md "HTTP API"): bearer tokens, the same roles and scopes as the pages.

Errors: 401 without a valid token, 403 when the token's user may not act,
404 for an unknown case or one outside a liaison's scope, 409 when the action
does not fit the case's state, 422 for a malformed body.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from sqlalchemy import select
from sqlmodel import Session

from responders.models import AuditEntry, Case, Clock, Response

from ..tables import User
from .deps import api_user, db, runtime_of
from .labels import label
from .permissions import case_in_scope, is_liaison
from .queries import ACTIVE_CLOCK, clock_state, visible_case
from .schemas import AuditOut, CaseDetail, CaseSummary, ClockOut, ResponseOut

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["cases"])

CASE_ID = Path(ge=1, le=2**31 - 1, description="case id")
ERRORS = {401: {"description": "missing or invalid bearer token"},
          404: {"description": "no such case, or outside the token user's scope"}}


def clock_out(clock: Clock, now: datetime) -> ClockOut:
    return ClockOut(kind=clock.kind, hours=clock.hours, started_at=clock.started_at, due_at=clock.due_at,
                    status=clock.status, stopped_at=clock.stopped_at, state=clock_state(clock, now))


def response_out(r: Response) -> ResponseOut:
    return ResponseOut(id=r.id, clock=r.clock_kind, mode=r.mode, mode_label=label("mode", r.mode), at=r.at, url=r.url,
                       note=r.note, recorded_by=r.recorded_by, recorded_at=r.recorded_at)


def summary_fields(case: Case, clocks: list[Clock], now: datetime) -> dict:
    active = sorted((c for c in clocks if c.status in ACTIVE_CLOCK), key=lambda c: c.due_at)
    return dict(
        id=case.id, title=case.title, status=case.status, severity=case.severity,
        especially_major=case.especially_major, criteria=list(case.criteria or []),
        localities=list(case.localities or []), sectors=list(case.sectors or []), first_body=case.first_body,
        opened_at=case.opened_at, closed_at=case.closed_at, acknowledged_at=case.acknowledged_at,
        acknowledged_by=case.acknowledged_by, next_due_at=active[0].due_at if active else None,
        state=clock_state(active[0], now) if active else "answered",
        clocks=[clock_out(c, now) for c in sorted(clocks, key=lambda c: (c.due_at, c.id))],
    )


def case_detail(session: Session, case: Case, now: datetime) -> CaseDetail:
    clocks = list(session.execute(select(Clock).where(Clock.case_id == case.id)).scalars())
    responses = session.execute(select(Response).where(Response.case_id == case.id)
                                .order_by(Response.at, Response.id)).scalars()
    audit = session.execute(select(AuditEntry).where(AuditEntry.case_id == case.id)
                            .order_by(AuditEntry.at, AuditEntry.id)).scalars()
    return CaseDetail(**summary_fields(case, clocks, now), responsible=case.responsible or {},
                      rationale=list(case.rationale or []), responses=[response_out(r) for r in responses],
                      audit=[AuditOut(at=a.at, actor=a.actor, action=a.action, detail=a.detail or {}) for a in audit])


@router.get("/cases", response_model=list[CaseSummary], responses=ERRORS)
def list_cases(request: Request, status: Literal["open", "closed", "all"] = "open",
               limit: int = Query(500, ge=1, le=5000), offset: int = Query(0, ge=0, le=10**7),
               user: User = Depends(api_user), session: Session = Depends(db)):
    """Return cases, oldest first: `open`, `closed` (closed or dismissed) or `all`."""
    now = runtime_of(request).clock.now()
    q = select(Case).order_by(Case.opened_at, Case.id)
    if status == "open":
        q = q.where(Case.status == "open")
    elif status == "closed":
        q = q.where(Case.status != "open")
    if is_liaison(user):
        cases = [c for c in session.execute(q).scalars() if case_in_scope(user, c.responsible)][offset:offset + limit]
    else:
        cases = list(session.execute(q.limit(limit).offset(offset)).scalars())
    clocks: dict[int, list[Clock]] = {c.id: [] for c in cases}
    ids = list(clocks)
    for i in range(0, len(ids), 500):
        for clock in session.execute(select(Clock).where(Clock.case_id.in_(ids[i:i + 500]))).scalars():
            clocks[clock.case_id].append(clock)
    return [CaseSummary(**summary_fields(c, clocks[c.id], now)) for c in cases]


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=ERRORS)
def get_case(request: Request, case_id: int = CASE_ID, user: User = Depends(api_user), session: Session = Depends(db)):
    """Return one case with its clocks, responses, responsible record and audit trail."""
    case = visible_case(session, user, case_id)
    if case is None:
        raise HTTPException(404, "没有这个案件，或当前令牌无权查看")
    return case_detail(session, case, runtime_of(request).clock.now())
