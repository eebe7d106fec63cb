"""The 通报 in the web UI: the report page with its SVG charts, downloads in every format, and /api/reports.

- ``GET /reports?period=week&locality=…``: the report inside the app's layout;
- ``GET /reports/download?period=…&format=html|md|csv|json``: the same report as a file
  (the HTML one is the standalone, printable A4 page);
- ``GET /reports/report.css``: the report's stylesheet (the app's CSP allows no inline style);
- ``GET /api/reports?period=…``: the report as JSON, with a bearer token.

Who: every signed-in user except liaison accounts. Why not liaisons: a liaison sees
only its own body's cases, and the 通报 names every body's cases and lapses; it is
the coordination office's tool (RULES.md X-8).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session

from responders.reports import (
    RENDERERS, PeriodError, Report, build_report, parse_period, render_html_body, report_css, report_data,
)

from responders.verdicts import live_figures

from ..tables import User
from .deps import api_user, db, page_user, runtime_of
from .permissions import is_liaison

router = APIRouter()

_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
          "csv": "text/csv; charset=utf-8", "json": "application/json"}
_SUFFIX = {"html": "html", "md": "md", "csv": "csv", "json": "json"}
# The standalone report has inline styles and inline SVG, and no script at all.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
_PERIODS = (("week", "上周"), ("day", "昨天"), ("month", "上月"), ("this-week", "本周至今"), ("this-month", "本月至今"),
            ("year", "去年"), ("this-year", "今年至今"))


def _allowed(user: User) -> None:
    if is_liaison(user):
        raise HTTPException(403, "通报含各单位情况，联络员账号无权查看")


DRILLS = Query("", pattern="^[01]?$", description="1: count drill cases too (marked 演练); default: only in a drill deployment")


def include_drills(request: Request, drills: str) -> bool:
    """Return whether a report counts drill cases: asked for, else only in a drill deployment (issue 15.9)."""
    return drills == "1" if drills else bool(runtime_of(request).config.drill)


def _report(request: Request, session: Session, period: str, locality: str | None, drills: str = "") -> Report:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    try:
        p = parse_period(period, now=now, zone=runtime.config.timezone)
    except PeriodError as e:
        raise HTTPException(422, f"统计期间无效：{e}") from None
    reports = runtime.config.reports
    return build_report(session, p, now=now, locality_subtree=(locality or "").strip() or reports.locality,
                        rule=reports.interview, drills=include_drills(request, drills))


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, period: str = Query("week", max_length=20),
                locality: str | None = Query(None, max_length=200), drills: str = DRILLS,
                user: User = Depends(page_user), session: Session = Depends(db)):
    _allowed(user)
    report = _report(request, session, period, locality, drills)
    return request.app.state.renderer.page(request, "reports.html", {
        "user": user, "report": report, "body": render_html_body(report), "period": period,
        "locality": locality or "", "periods": _PERIODS, "formats": tuple(RENDERERS),
        "verdicts": live_figures(session, report.period.start, report.period.end),
        "drills": "1" if include_drills(request, drills) else "0",
    })


@router.get("/reports/report.css", include_in_schema=False)
def report_stylesheet(user: User = Depends(page_user)):
    return Response(report_css(), media_type="text/css; charset=utf-8")


@router.get("/reports/download", include_in_schema=False)
def report_download(request: Request, period: str = Query("week", max_length=20),
                    format: str = Query("html", pattern="^(html|md|csv|json)$"),
                    locality: str | None = Query(None, max_length=200), drills: str = DRILLS,
                    user: User = Depends(page_user), session: Session = Depends(db)):
    _allowed(user)
    report = _report(request, session, period, locality, drills)
    text = RENDERERS[format](report)
    body = ("\ufeff" + text) if format == "csv" else text      # Excel reads UTF-8 only with a BOM
    name = f"tongbao-{report.period.key}.{_SUFFIX[format]}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "html":
        headers["Content-Security-Policy"] = _REPORT_CSP
    return Response(body, media_type=_MEDIA[format], headers=headers)


@router.get("/api/reports", tags=["reports"], summary="The 通报 report of a period, as JSON")
def report_api(request: Request, period: str = Query("week", max_length=20,
                                                     description="day, week, month, year, 2026-11-20, 2026-W47, 2026-11, 2026"),
               locality: str | None = Query(None, max_length=200, description="a locality subtree, e.g. 山西省晋中市"),
               drills: str = DRILLS, user: User = Depends(api_user), session: Session = Depends(db)):
    _allowed(user)
    return JSONResponse(report_data(_report(request, session, period, locality, drills)))
