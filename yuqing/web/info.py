"""Read-only pages: the health of every source, the on-duty rota and the people of the directory."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from monitor.models import Source
from responders.directory import Directory, Shift

from ..tables import User
from .deps import db, page_user, runtime_of

router = APIRouter(include_in_schema=False)

_WEEKDAYS_ZH = "一二三四五六日"


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    now = runtime_of(request).clock.now()
    rows = []
    for source in session.exec(select(Source).order_by(Source.name)).all():
        last_item = source.last_new_item_at
        rows.append({"source": source, "silent_for": (now - last_item) if last_item else None,
                     "since_success": (now - source.last_success_at) if source.last_success_at else None})
    return request.app.state.renderer.page(request, "sources.html", {"user": user, "rows": rows})


def on_duty(directory: Directory, now: datetime, zone: ZoneInfo) -> list[str]:
    """Return the officers whose shift covers `now` (local time; overnight shifts run into the next day)."""
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    names = []
    for shift in directory.rota:
        start = shift.start.hour * 60 + shift.start.minute
        end = shift.end_minutes if shift.end_minutes > start else shift.end_minutes + 1440
        today = local.weekday() in shift.weekdays and start <= minute < end
        yesterday = (local.weekday() - 1) % 7 in shift.weekdays and end > 1440 and minute < end - 1440
        if today or yesterday:
            names.append(shift.officer)
    return names


def _shift_text(shift: Shift) -> dict[str, str]:
    days = "、".join("周" + _WEEKDAYS_ZH[d] for d in sorted(shift.weekdays))
    end = shift.end_minutes % 1440 if shift.end_minutes != 1440 else 1440
    return {"officer": shift.officer, "days": days, "start": shift.start.strftime("%H:%M"),
            "end": f"{end // 60:02d}:{end % 60:02d}"}


@router.get("/rota", response_class=HTMLResponse)
def rota(request: Request, locality: str | None = Query(None, max_length=200), user: User = Depends(page_user)):
    runtime = runtime_of(request)
    directory = runtime.directory
    zone = ZoneInfo(runtime.config.timezone)
    officers = [p for people in directory.people_by_locality.values() for p in people if p.role == "officer"]
    chosen = locality if locality in directory.localities else None
    bodies = []
    if chosen:
        for key, body in sorted(directory.bodies.items()):
            if body.locality == chosen:
                bodies.append({"body": body, "people": directory.people_by_body.get(key, [])})
    return request.app.state.renderer.page(request, "rota.html", {
        "user": user, "shifts": [_shift_text(s) for s in directory.rota],
        "on_duty": on_duty(directory, runtime.clock.now(), zone), "officers": officers,
        "localities": sorted(directory.localities), "locality": chosen, "bodies": bodies,
        "leaders": [p for p in directory.people_by_locality.get(chosen, []) if p.role in ("principal", "deputy")]
        if chosen else [],
        "unknown_locality": bool(locality) and chosen is None,
    })
