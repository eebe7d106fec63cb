"""The JSON API under /api (CONTRACT.md "HTTP API"): bearer tokens, the same roles and scopes as the pages.

Errors: 401 without a valid token, 403 when the token's user may not act,
404 for an unknown case or one outside a liaison's scope, 409 when the action
does not fit the case's state, 422 for a malformed body.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlmodel import Session

from alerts.status import delivery_state
from monitor.errors import RecordError, SourceNotFound
from monitor.push import MAX_RECORDS, accept_records
from responders import actions
from responders.errors import CaseNotFound, InvalidAction
from responders.models import AuditEntry, Case, Clock, Response

from ..pipeline import after_ingest
from ..tables import User
from .cleantext import CleanStr, clean_json
from .limits import parse_json_body
from .deps import api_user, db, require, runtime_of
from .labels import label
from .permissions import case_in_scope, is_liaison
from .queries import clock_state, is_active, visible_case
from .schemas import AuditOut, CaseDetail, CaseSummary, ClockOut, ItemRecord, PushResult, ResponseIn, ResponseOut

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["cases"])

CASE_ID = Path(ge=1, le=2**31 - 1, description="case id")
ERRORS = {401: {"description": "missing or invalid bearer token"},
          404: {"description": "no such case, or outside the token user's scope"}}
ACTION_ERRORS = {**ERRORS, 403: {"description": "the token's user may not do this"},
                 409: {"description": "the case's state does not allow this (closed, clock already met, ...)"}}


def clock_out(clock: Clock, now: datetime) -> ClockOut:
    return ClockOut(kind=clock.kind, hours=clock.hours, started_at=clock.started_at, due_at=clock.due_at,
                    status=clock.status, stopped_at=clock.stopped_at, state=clock_state(clock, now))


def response_out(r: Response) -> ResponseOut:
    return ResponseOut(id=r.id, clock=r.clock_kind, mode=r.mode, mode_label=label("mode", r.mode), at=r.at, url=r.url,
                       note=r.note, recorded_by=r.recorded_by, recorded_at=r.recorded_at)


def summary_fields(case: Case, clocks: list[Clock], now: datetime) -> dict:
    active = sorted((c for c in clocks if is_active(c) or c.status == "provisional"), key=lambda c: c.due_at)
    return dict(
        id=case.id, title=case.title, status=case.status, severity=case.severity,
        especially_major=case.especially_major, criteria=list(case.criteria or []),
        localities=list(case.localities or []), sectors=list(case.sectors or []), first_body=case.first_body,
        opened_at=case.opened_at, closed_at=case.closed_at, acknowledged_at=case.acknowledged_at,
        acknowledged_by=case.acknowledged_by, next_due_at=active[0].due_at if active else None,
        state="review" if case.status == "review" else clock_state(active[0], now) if active else "answered",
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
                      audit=[AuditOut(at=a.at, actor=a.actor, action=a.action, detail=a.detail or {}) for a in audit],
                      notifications=delivery_state(session, case.id))


@router.get("/cases", response_model=list[CaseSummary], responses=ERRORS)
def list_cases(request: Request, status: Literal["open", "closed", "review", "all"] = "open",
               limit: int = Query(500, ge=1, le=5000), offset: int = Query(0, ge=0, le=10**7),
               user: User = Depends(api_user), session: Session = Depends(db)):
    """Return cases, oldest first: `open`, `closed` (closed or dismissed), `review` (待研判) or `all`."""
    now = runtime_of(request).clock.now()
    q = select(Case).order_by(Case.opened_at, Case.id)
    if status == "open":
        q = q.where(Case.status == "open")
    elif status == "closed":
        q = q.where(Case.status.in_(("closed", "dismissed")))
    elif status == "review":
        q = q.where(Case.status == "review")
    if is_liaison(user):
        q = q.where(Case.status != "review")     # 待研判 is the office's own queue (no body's duty yet)
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


def _acting_on(session: Session, user: User, case_id: int, permission: str) -> Case:
    case = visible_case(session, user, case_id)
    if case is None:
        raise HTTPException(404, "没有这个案件，或当前令牌无权查看")
    require(user, permission)
    return case


@router.post("/cases/{case_id}/ack", response_model=CaseDetail, responses=ACTION_ERRORS)
def acknowledge(request: Request, case_id: int = CASE_ID,
                step_id: int | None = Query(None, ge=1, le=2**31 - 1, description="only this fired ladder step"),
                user: User = Depends(api_user), session: Session = Depends(db)):
    """Acknowledge the case, or one fired ladder step (stops the reminder repeats, never the clocks)."""
    _acting_on(session, user, case_id, "acknowledge")
    now = runtime_of(request).clock.now()
    try:
        case = actions.acknowledge(session, now, case_id=case_id, actor=user.username, step_id=step_id)
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except InvalidAction as e:
        raise HTTPException(409, str(e)) from e
    return case_detail(session, case, now)


@router.post("/cases/{case_id}/responses", response_model=ResponseOut, status_code=201, responses=ACTION_ERRORS)
def confirm_response(request: Request, body: ResponseIn, case_id: int = CASE_ID, user: User = Depends(api_user),
                     session: Session = Depends(db)):
    """Record a response for one clock of the case; the clock stops (`met`, or `overdue` when late)."""
    _acting_on(session, user, case_id, "respond")
    now = runtime_of(request).clock.now()
    try:
        response = actions.confirm_response(session, now, case_id=case_id, clock_kind=body.clock.value,
                                            mode=body.mode.value, at=body.at, url=body.url, note=body.note,
                                            actor=user.username)
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except InvalidAction as e:
        raise HTTPException(409, str(e)) from e
    return response_out(response)


def default_push_source(runtime) -> str | None:
    """Return the name of the first enabled push source of the config, or None."""
    return next((s.name for s in runtime.config.sources if s.kind == "push" and s.enabled), None)


def _inline_schema(model) -> dict:
    """Return the JSON schema of `model` with its `$defs` inlined (for a hand-written request body)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


_ITEM = _inline_schema(ItemRecord)
_PUSH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "anyOf": [_ITEM, {"type": "array", "items": _ITEM, "maxItems": MAX_RECORDS}]}}}}}


@router.post("/items", response_model=PushResult, tags=["ingestion"], openapi_extra=_PUSH_BODY,
             responses={401: ERRORS[401], 403: {"description": "the token's user may not push"},
                        409: {"description": "no enabled push source of that name"},
                        413: {"description": "too many records, or a body over `[web] max_push_bytes` "
                                             "(default 16,000,000 bytes)"},
                        400: {"description": "the body is neither a record nor a list"},
                        422: {"description": "the body is not JSON (or nested too deeply)"}})
async def push_items(request: Request,
                     source: CleanStr | None = Query(None, max_length=200,
                                                     description="push source name (default: the first)"),
                     user: User = Depends(api_user), session: Session = Depends(db)):
    """Accept one `classify` input record or a list of them; they are stored, judged and may open cases.

    The body is at most `[web] max_push_bytes` (default 16,000,000 bytes); it is
    read only after the token was checked. Why the body is not validated as a
    whole: one malformed record must not cost the others (CONTRACT.md
    `classify`: a bad line is reported, processing goes on). Each record is
    checked by `monitor.push`; bad ones come back in `rejected` with their
    position and reason.
    """
    require(user, "push_items")
    records = parse_json_body(await request.body())
    return await run_in_threadpool(_push, request, records, source, user, session)


def _push(request: Request, records: Any, source: str | None, user: User, session: Session) -> PushResult:
    if not isinstance(records, (dict, list)):
        raise HTTPException(400, "请求体须是一条记录（JSON 对象）或记录数组")
    runtime = runtime_of(request)
    name = source or default_push_source(runtime)
    if name is None:
        raise HTTPException(409, "没有启用的推送信息源（config.toml 中 kind = \"push\" 的 [[sources]]）")
    now = runtime.clock.now()
    try:
        result = accept_records(session, now, clean_json(records), source_name=name, config=runtime.config)
    except SourceNotFound as e:
        raise HTTPException(409, str(e)) from e
    except RecordError as e:
        raise HTTPException(413, str(e)) from e
    stages = after_ingest(session, now, runtime) if result.accepted else {}
    session.commit()
    logger.info("push by %s to %s: %d received, %d accepted", user.username, name, result.received, result.accepted)
    return PushResult(**result.as_dict(), cases=int(stages.get("cases", 0)))
