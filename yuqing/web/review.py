"""The 待研判 (review) queue's actions, from the pages and the API (issue 14).

Pages (forms with CSRF, like every case action in `casework`):
- `POST /cases/{id}/review/confirm`: 确认为重点舆情 (`severity` optional: keep the provisional one);
- `POST /cases/{id}/review/dismiss`: 排除（非重点舆情）, `reason` required.

API (bearer token, CONTRACT.md "HTTP API"):
- `POST /api/cases/{id}/confirm` `{"severity"?, "especially_major"?, "reason"?}`: a review case becomes a
  priority case with the same clock start (409 when the case is not in review);
- `POST /api/cases/{id}/dismiss` `{"reason"}`: a review case is dismissed as not a priority opinion
  (any officer), an open case is dismissed as before (supervisors and admins only).

The queue itself is `queries.review_queue` (dashboard) and `GET /api/cases?status=review`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from responders import actions
from responders.errors import CaseNotFound, InvalidAction
from responders.review import REVIEW_STATUS, confirm_review, dismiss_review

from ..tables import User
from .api import ACTION_ERRORS, CASE_ID, _acting_on, case_detail
from .casework import _act, _now
from .cleantext import CleanStr, Code, Text
from .deps import api_user, db, page_user, require, runtime_of
from .labels import SEVERITIES, label
from .schemas import CaseDetail
from .security import check_csrf

__all__ = ["router", "api_router", "ConfirmIn", "DismissIn"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
api_router = APIRouter(prefix="/api", tags=["cases"])


@router.post("/cases/{case_id}/review/confirm")
def confirm_page(request: Request, case_id: int = CASE_ID, severity: Code = "", especially_major: Code = "",
                 reason: Text = "", user: User = Depends(page_user), session: Session = Depends(db)):
    """确认为重点舆情: the review case opens with its provisional clocks' start (or the chosen severity's)."""
    def do():
        if severity and severity not in SEVERITIES:
            raise InvalidAction(f"未知的事件级别：{severity}")
        case = confirm_review(session, _now(request), case_id=case_id, actor=user.username,
                              config=runtime_of(request).config.clocks, severity=severity or None,
                              especially_major=True if especially_major in ("1", "on", "true") else None,
                              reason=reason.strip())
        return f"已确认为重点舆情：{label('severity', case.severity)}，沿用首次监测发现时起算的时限"
    return _act(request, session, user, case_id, "confirm_review", do)


@router.post("/cases/{case_id}/review/dismiss")
def dismiss_page(request: Request, case_id: int = CASE_ID, reason: Text = "", user: User = Depends(page_user),
                 session: Session = Depends(db)):
    """排除（非重点舆情）: the review case closes, its provisional clocks stop; a reason is required."""
    def do():
        dismiss_review(session, _now(request), case_id=case_id, reason=reason, actor=user.username)
        return "已排除：非重点舆情"
    return _act(request, session, user, case_id, "dismiss_review", do, back="/")


class ConfirmIn(BaseModel):
    """Confirm a 待研判 case as a priority opinion."""

    model_config = ConfigDict(extra="forbid")

    severity: str | None = Field(None, description="major_emergency | general; default: the provisional severity",
                                 pattern="^(major_emergency|general)$")
    especially_major: bool | None = Field(None, description="特别重大的政务舆情 (A-8); default: unchanged")
    reason: CleanStr | None = Field(None, max_length=5000)


class DismissIn(BaseModel):
    """Dismiss a case as not a priority opinion (非重点舆情); the reason is required."""

    model_config = ConfigDict(extra="forbid")

    reason: CleanStr = Field(min_length=1, max_length=5000)


@api_router.post("/cases/{case_id}/confirm", response_model=CaseDetail, responses=ACTION_ERRORS)
def confirm_api(request: Request, body: ConfirmIn | None = None, case_id: int = CASE_ID,
                user: User = Depends(api_user), session: Session = Depends(db)):
    """Confirm a 待研判 case: it becomes a priority case whose clocks keep their start (first detection)."""
    _acting_on(session, user, case_id, "confirm_review")
    body = body or ConfirmIn()
    runtime = runtime_of(request)
    now = runtime.clock.now()
    try:
        case = confirm_review(session, now, case_id=case_id, actor=user.username, config=runtime.config.clocks,
                              severity=body.severity, especially_major=body.especially_major,
                              reason=(body.reason or "").strip())
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except InvalidAction as e:
        raise HTTPException(409, str(e)) from e
    return case_detail(session, case, now)


@api_router.post("/cases/{case_id}/dismiss", response_model=CaseDetail, responses=ACTION_ERRORS)
def dismiss_api(request: Request, body: DismissIn, case_id: int = CASE_ID, user: User = Depends(api_user),
                session: Session = Depends(db)):
    """Dismiss a case as not a priority opinion: a 待研判 one (officers), or an open one (supervisors)."""
    case = _acting_on(session, user, case_id, "dismiss_review")
    now = runtime_of(request).clock.now()
    try:
        if case.status == REVIEW_STATUS:
            case = dismiss_review(session, now, case_id=case_id, reason=body.reason, actor=user.username)
        else:
            require(user, "dismiss")
            case = actions.dismiss(session, now, case_id=case_id, reason=body.reason, actor=user.username)
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except InvalidAction as e:
        raise HTTPException(409, str(e)) from e
    return case_detail(session, case, now)
