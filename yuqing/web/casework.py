"""The officer's actions from the pages: each form posts here and `responders.actions` does the work.

Every action: 1. checks the CSRF token; 2. finds the case within the user's
scope (404 otherwise); 3. checks the role (403); 4. calls the responders
action, which writes the audit entry with the user's name and the injected
time; 5. redirects back to the case page with a message. An action the case's
state does not allow (`InvalidAction`) comes back as an error message on the
case page, not as a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from responders import actions, casemerge
from responders.errors import CaseNotFound, InvalidAction

from ..tables import User
from .cleantext import EARLIEST_YEAR, LATEST_YEAR, Code, Codes, Line, Text, storable_time
from .deps import db, page_user, require, runtime_of
from .labels import RESPONSE_MODES, SECTOR_LABELS, SEVERITIES, label
from .queries import visible_case
from .rendering import safe_url
from .security import check_csrf

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
pages = APIRouter(include_in_schema=False)

CASE_ID = Path(ge=1, le=2**31 - 1)


def parse_local(value: str | None, timezone: str) -> datetime | None:
    """Return the aware time of a `datetime-local` field (deployment time zone); None when empty.

    Raises InvalidAction for anything that is not YYYY-MM-DDTHH:MM[:SS].
    """
    if not value or not value.strip():
        return None
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as e:
        raise InvalidAction(f"时间格式不对：{value[:40]}（应为 2026-11-20T09:30）") from e
    aware = naive if naive.tzinfo is not None else naive.replace(tzinfo=ZoneInfo(timezone))
    try:
        return storable_time(aware)
    except ValueError as e:
        raise InvalidAction(f"时间超出范围：{value[:40]}（应在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间）") from e


def _flash(request: Request, text: str, *, error: bool = False) -> None:
    request.session["flash"] = {"text": text, "error": error}


def _act(request: Request, session: Session, user: User, case_id: int, permission: str,
         do: Callable[[], str], *, back: str | None = None) -> RedirectResponse:
    """Run one case action for `user` and redirect; see the module docstring for the steps."""
    if visible_case(session, user, case_id) is None:
        raise HTTPException(404, "没有这个案件，或当前账号无权查看")
    require(user, permission)
    target = back or f"/cases/{case_id}"
    try:
        message = do()
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except InvalidAction as e:
        session.rollback()
        logger.info("case %s: %s refused for %s: %s", case_id, permission, user.username, e)
        _flash(request, f"未执行：{e}", error=True)
        return RedirectResponse(target, status_code=303)
    _flash(request, message)
    return RedirectResponse(target, status_code=303)


def _now(request: Request) -> datetime:
    return runtime_of(request).clock.now()


@router.post("/cases/{case_id}/ack")
def acknowledge(request: Request, case_id: int = CASE_ID, next: Code = "", step_id: Code = "",
                user: User = Depends(page_user), session: Session = Depends(db)):
    """Acknowledge the case, or only one fired step of its ladder (`step_id`): the repeats stop, the clock runs on."""
    def do():
        step = int(step_id) if step_id.isascii() and step_id.isdigit() and len(step_id) < 10 else None
        if step_id and step is None:
            raise InvalidAction(f"提醒编号不对：{step_id}")
        actions.acknowledge(session, _now(request), case_id=case_id, actor=user.username, step_id=step)
        return "已签收该提醒" if step else "已确认收到"
    return _act(request, session, user, case_id, "acknowledge", do, back="/" if next == "/" else None)


@router.post("/cases/{case_id}/responses")
def confirm_response(request: Request, case_id: int = CASE_ID, clock_kind: Code = ...,
                     mode: Code = ..., at: Code = "",
                     url: Line = "", note: Text = "",
                     user: User = Depends(page_user), session: Session = Depends(db)):
    def do():
        if mode not in RESPONSE_MODES:
            raise InvalidAction(f"未知的回应方式：{mode}")
        if url.strip() and safe_url(url) is None:
            raise InvalidAction("证明链接须以 http:// 或 https:// 开头")
        when = parse_local(at, runtime_of(request).config.timezone)
        actions.confirm_response(session, _now(request), case_id=case_id, clock_kind=clock_kind, mode=mode, at=when,
                                 url=url.strip() or None, note=note.strip() or None, actor=user.username)
        return f"已确认回应：{label('clock', clock_kind)}（{label('mode', mode)}）"
    return _act(request, session, user, case_id, "respond", do)


def is_downgrade(*, old_severity: str, old_major: bool, severity: str, especially_major: bool) -> bool:
    """Return True when the change lowers the case: major -> general, or especially major removed."""
    return (old_severity == "major_emergency" and severity == "general") or (old_major and not especially_major)


@router.post("/cases/{case_id}/severity")
def change_severity(request: Request, case_id: int = CASE_ID, severity: Code = ...,
                    especially_major: Code = "", reason: Text = "",
                    user: User = Depends(page_user), session: Session = Depends(db)):
    case = visible_case(session, user, case_id)
    major = especially_major in ("1", "on", "true")
    if case is not None and is_downgrade(old_severity=case.severity, old_major=case.especially_major,
                                         severity=severity, especially_major=major):
        require(user, "downgrade")      # only supervisors and admins lower a case

    def do():
        runtime = runtime_of(request)
        actions.change_severity(session, _now(request), case_id=case_id, severity=severity, especially_major=major,
                                reason=reason, actor=user.username, config=runtime.config.clocks)
        return f"级别已调整为：{label('severity', severity)}{'（特别重大）' if major else ''}"
    return _act(request, session, user, case_id, "upgrade", do)


@router.post("/cases/{case_id}/dismiss")
def dismiss(request: Request, case_id: int = CASE_ID, reason: Text = "",
            user: User = Depends(page_user), session: Session = Depends(db)):
    def do():
        actions.dismiss(session, _now(request), case_id=case_id, reason=reason, actor=user.username)
        return "已撤销：不作为重点舆情"
    return _act(request, session, user, case_id, "dismiss", do)


@router.post("/cases/{case_id}/reassign")
def reassign(request: Request, case_id: int = CASE_ID, locality: Line = ...,
             sector: Code = ..., how: Code = "reassign",
             reason: Text = "", user: User = Depends(page_user), session: Session = Depends(db)):
    def do():
        if how not in ("reassign", "co_responder", "lead"):
            raise InvalidAction(f"未知的改派方式：{how}")
        body = (locality.strip(), sector)
        target = {"reassign": "reassign_to", "co_responder": "add_co_responder", "lead": "lead"}[how]
        case = actions.reassign(session, _now(request), case_id=case_id, actor=user.username, reason=reason,
                                directory=runtime_of(request).directory, **{target: body})
        changes = ((case.responsible or {}).get("overrides") or [{}])[-1].get("changes") or []
        return "已调整：" + "；".join(changes) if changes else "未发生变化：所选单位已在责任单位中"
    return _act(request, session, user, case_id, "reassign", do)


@router.post("/cases/{case_id}/rumor")
def refer_rumor(request: Request, case_id: int = CASE_ID, evidence: Text = "",
                note: Text = "", user: User = Depends(page_user), session: Session = Depends(db)):
    def do():
        links = [line.strip() for line in evidence.splitlines() if line.strip()]
        actions.refer_rumor(session, _now(request), case_id=case_id, evidence=links, note=note.strip() or None,
                            actor=user.username)
        return "已登记移送公安机关、网信部门"
    return _act(request, session, user, case_id, "refer_rumor", do)


@router.post("/cases/{case_id}/close")
def close(request: Request, case_id: int = CASE_ID, result_url: Line = "",
          user: User = Depends(page_user), session: Session = Depends(db)):
    def do():
        actions.close_case(session, _now(request), case_id=case_id, result_url=result_url.strip() or None,
                           actor=user.username)
        return "已办结"
    return _act(request, session, user, case_id, "close", do)


@router.post("/cases/{case_id}/merge")
def merge(request: Request, case_id: int = CASE_ID, others: Line = "", reason: Text = "",
          user: User = Depends(page_user), session: Session = Depends(db)):
    """Merge other cases of the same story into this one (supervisors; `responders.casemerge`)."""
    def do():
        ids = [p.strip().lstrip("#") for p in others.replace("，", ",").replace("、", ",").split(",") if p.strip()]
        if not ids or not all(i.isdigit() and len(i) < 10 for i in ids):
            raise InvalidAction("请填写要并入本案的案件编号，多个用逗号分隔（如 12, 15）")
        for other in ids:
            if visible_case(session, user, int(other)) is None:
                raise InvalidAction(f"没有案件 #{other}，或当前账号无权查看")
        target = casemerge.merge_cases(session, _now(request), into_id=case_id, case_ids=[int(i) for i in ids],
                                       reason=reason, actor=user.username, config=runtime_of(request).config.clocks)
        return f"已将案件 {'、'.join('#' + i for i in ids)} 并入本案（#{target.id}），计时沿用最早起点"
    return _act(request, session, user, case_id, "merge", do)


@router.post("/cases/{case_id}/split")
def split(request: Request, case_id: int = CASE_ID, items: Codes = [], reason: Text = "",
          user: User = Depends(page_user), session: Session = Depends(db)):
    """Split the chosen items of this case into a new case (supervisors; `responders.casemerge`)."""
    def do():
        new = casemerge.split_case(session, _now(request), case_id=case_id, item_ids=list(items)[:500], reason=reason,
                                   actor=user.username, config=runtime_of(request).config.clocks)
        return f"已拆分出新案件 #{new.id}（{len(items)} 条信息，计时自这些信息的时间起算）"
    return _act(request, session, user, case_id, "merge", do)


@pages.get("/cases/new", response_class=HTMLResponse)
def new_case_form(request: Request, user: User = Depends(page_user)):
    require(user, "open_case")
    return _new_case_page(request, user, error=None, form={})


def _new_case_page(request: Request, user: User, *, error: str | None, form: dict, status_code: int = 200):
    return request.app.state.renderer.page(request, "new_case.html", {
        "user": user, "error": error, "form": form, "kinds": actions.MANUAL_KINDS, "severities": SEVERITIES,
        "sectors": {k: v for k, v in SECTOR_LABELS.items() if k not in ("government_office", "propaganda", "cyberspace")},
        "localities": sorted(runtime_of(request).directory.localities),
    }, status_code=status_code)


@router.post("/cases/new")
def open_manual_case(request: Request, title: Line = "", text: Text = "",
                     kind: Code = ..., ordered_at: Code = "",
                     localities: Line = "", sectors: Codes = [],
                     severity: Code = "general", especially_major: Code = "",
                     user: User = Depends(page_user), session: Session = Depends(db)):
    require(user, "open_case")
    runtime = runtime_of(request)
    form = {"title": title, "text": text, "kind": kind, "ordered_at": ordered_at, "localities": localities,
            "sectors": sectors, "severity": severity, "especially_major": especially_major}
    try:
        case = actions.open_manual_case(
            session, _now(request), title=title, text=text, actor=user.username, kind=kind,
            ordered_at=parse_local(ordered_at, runtime.config.timezone),
            localities=[p.strip() for p in localities.replace("，", ",").replace("\n", ",").split(",") if p.strip()],
            sectors=[s for s in sectors if s][:10], severity=severity,
            especially_major=especially_major in ("1", "on", "true"), directory=runtime.directory,
            config=runtime.config.clocks, drill=runtime.config.drill)
    except InvalidAction as e:
        session.rollback()
        return _new_case_page(request, user, error=str(e), form=form, status_code=400)
    _flash(request, f"已立案：#{case.id}")
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
