"""The demo outbox on the web: ``GET /api/demo/outbox`` (JSON, no auth) and the 演练消息 page.

Registered by `yuqing.web.create_app` only when the config has a `[demo]` section
(`yuqing demo`, `yuqing drill`); a production deployment never serves them.

Why the JSON endpoint of `yuqing demo` needs no token (CONTRACT.md): it shows only
what the local sinks of a throwaway demo received, addressed to the bundled
placeholder directory, and scripts that check a demo should not need to sign in
first (`[demo] open_outbox = true`, written by `yuqing demo` only). A drill plays
the deployment's real directory: there the JSON endpoint needs a bearer token.
The page, like every page, needs a signed-in user. Both show a liaison account
only the messages of its own body's cases.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session

from ..tables import User
from ..web.deps import api_user, bearer, db, page_user, runtime_of
from ..web.permissions import is_liaison
from ..web.queries import visible_case
from .outbox import CHANNELS, KINDS, Outbox

__all__ = ["router", "outbox_of", "CONTRACT_KEYS"]

router = APIRouter()

CONTRACT_KEYS = ("channel", "to", "subject", "body", "received_at", "case_id", "kind")
CHANNEL_LABELS = {"email": "邮件", "wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "webhook": "接口推送"}
PAGE_SIZE = 50       # messages per page: a drill of an hour sends hundreds
KIND_LABELS = {"opened": "立案通知", "reminder": "时限提醒", "leader": "升级至领导", "overdue": "超时",
               "confirmed": "确认回应", "report": "通报", "other": "其他"}


def outbox_of(request: Request) -> Outbox:
    """Return the outbox of the running demo (its file lives in the state folder)."""
    runtime = runtime_of(request)
    path = runtime.config.state_path() / runtime.config.demo.outbox
    return Outbox(path, now=runtime.clock.now)


def in_scope(records: list[dict], user: User | None, session: Session) -> list[dict]:
    """Return the records `user` may see: all, except that a liaison sees only its own body's cases."""
    if user is None or not is_liaison(user):
        return records
    seen: dict[str, bool] = {}

    def visible(case_id) -> bool:
        key = str(case_id or "")
        if key not in seen:
            seen[key] = key.isascii() and key.isdigit() and len(key) < 10 and \
                visible_case(session, user, int(key)) is not None
        return seen[key]

    return [r for r in records if visible(r.get("case_id"))]


def outbox_reader(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                  session: Session = Depends(db)) -> User | None:
    """Return the token user of the JSON outbox; None in an open demo (no token needed)."""
    if runtime_of(request).config.demo.open_outbox and credentials is None:
        return None
    return api_user(request, credentials, session)


@router.get("/api/demo/outbox", tags=["demo"], summary="Every message the demo's local sinks received, oldest first")
def outbox_json(request: Request, user: User | None = Depends(outbox_reader),
                session: Session = Depends(db)) -> JSONResponse:
    records = in_scope(outbox_of(request).read(), user, session)
    return JSONResponse([{key: record.get(key) for key in CONTRACT_KEYS} for record in records])


@router.get("/demo/outbox", response_class=HTMLResponse, include_in_schema=False)
def outbox_page(request: Request, channel: str | None = Query(None, max_length=20),
                kind: str | None = Query(None, max_length=20), case: str | None = Query(None, max_length=20),
                page: int = Query(1, ge=1, le=100000), user: User = Depends(page_user),
                session: Session = Depends(db)):
    runtime = runtime_of(request)
    records = in_scope(outbox_of(request).read(), user, session)
    counts = {k: sum(1 for r in records if r.get("kind") == k) for k in KINDS}
    shown = [r for r in records
             if (not channel or r.get("channel") == channel) and (not kind or r.get("kind") == kind)
             and (not case or r.get("case_id") == case)]
    newest_first = shown[::-1]
    pages = max(1, -(-len(newest_first) // PAGE_SIZE))
    page = min(page, pages)
    on_page = newest_first[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    for record in on_page:
        record["received"] = _parse(record.get("received_at"))
    return request.app.state.renderer.page(request, "demo_outbox.html", {
        "user": user, "records": on_page, "total": len(records), "counts": counts, "shown": len(shown),
        "page": page, "pages": pages,
        "channels": CHANNELS, "kinds": KINDS, "channel_labels": CHANNEL_LABELS, "kind_labels": KIND_LABELS,
        "filters": {"channel": channel or "", "kind": kind or "", "case": case or ""},
        "demo": runtime.config.demo,
    })


def _parse(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
