"""The officer's pages: the dashboard of open cases and the case page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from ..tables import User
from .deps import db, page_user, runtime_of
from .labels import RESPONSE_MODES, SECTOR_LABELS
from .permissions import allowed
from .queries import case_view, dashboard, review_queue, visible_case

router = APIRouter(include_in_schema=False)

CASE_ID = Path(ge=1, le=2**31 - 1)


def _dashboard_context(request: Request, session: Session, user: User, page: int) -> dict:
    now = runtime_of(request).clock.now()
    review, review_total = review_queue(session, now, user=user)
    return {"user": user, "board": dashboard(session, now, user=user, page=page), "review": review,
            "review_total": review_total}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, page: int = Query(1, ge=1, le=10**6), user: User = Depends(page_user),
         session: Session = Depends(db)):
    return request.app.state.renderer.page(request, "dashboard.html", _dashboard_context(request, session, user, page))


@router.get("/cases/rows", response_class=HTMLResponse)
def dashboard_rows(request: Request, page: int = Query(1, ge=1, le=10**6), user: User = Depends(page_user),
                   session: Session = Depends(db)):
    """Return only the dashboard's table body (the list refresh fetches this every 30 s)."""
    return request.app.state.renderer.page(request, "rows_fragment.html", _dashboard_context(request, session, user, page))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int = CASE_ID, user: User = Depends(page_user),
              session: Session = Depends(db)):
    case = visible_case(session, user, case_id)
    if case is None:
        raise HTTPException(404, "没有这个案件，或当前账号无权查看")
    runtime = runtime_of(request)
    view = case_view(session, runtime.clock.now(), case)
    can = {action: allowed(user, action) for action in (
        "acknowledge", "respond", "reassign", "upgrade", "downgrade", "dismiss", "refer_rumor", "close",
        "confirm_review", "dismiss_review", "merge")}
    return request.app.state.renderer.page(request, "case.html", {
        "user": user, "view": view, "case": case, "can": can, "modes": RESPONSE_MODES,
        "sectors": SECTOR_LABELS, "localities": sorted(runtime.directory.localities),
    })

