"""Source health: "down", "silent" and "recovered" notices for the coordination office.

A notice is a `SourceNotice` row (an outbox: `processed_at IS NULL` until the
alerts sender or the UI has taken it), and the source's `health` column holds
its current state, so that each change raises exactly one notice:

- ok -> down: `failures_before_down` failed polls in a row;
- ok -> silent: the source has produced items before (so it normally does) and
  nothing new for `silent_after` (per source: `silent_after` in its config);
- down/silent -> ok ("recovered"): a successful poll, or a new item, again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .config import MonitorConfig
from .models import Source, SourceNotice
from .timestamps import SHANGHAI, format_duration

logger = logging.getLogger(__name__)

__all__ = ["check_source_health", "pending_notices"]


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "从未"


def check_source_health(session: Session, now: datetime, *, config: MonitorConfig) -> list[SourceNotice]:
    """Update `Source.health` of the enabled sources and add one notice per change; return the notices.

    Does not commit. Push sources are checked for silence only (they are never polled).
    """
    notices: list[SourceNotice] = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True))):
        silent_after = timedelta(seconds=(source.config or {}).get("silent_after_seconds") or config.silent_after.total_seconds())
        is_down = source.kind != "push" and source.consecutive_failures >= config.failures_before_down
        is_silent = source.last_new_item_at is not None and now - source.last_new_item_at >= silent_after
        new, detail = source.health, ""
        if is_down:
            if source.health != "down":
                new = "down"
                detail = (f"信息源“{source.name}”连续 {source.consecutive_failures} 次采集失败"
                          f"（最近一次 {_local(source.last_polled_at)}，{source.last_status}）：{source.last_error or ''}")
        elif is_silent:
            if source.health != "silent":
                new = "silent"
                detail = f"信息源“{source.name}”自 {_local(source.last_new_item_at)} 起没有新的信息（阈值 {format_duration(silent_after)}）"
        elif source.health != "ok":
            new = "recovered"
            detail = f"信息源“{source.name}”已恢复（此前状态：{'采集失败' if source.health == 'down' else '无新信息'}）"
        if new == source.health:
            continue
        source.health = "ok" if new == "recovered" else new
        notice = SourceNotice(source_id=source.id, created_at=now, kind=new, detail=detail[:4000])
        session.add(notice)
        notices.append(notice)
        logger.warning("source %s (%s): %s", source.id, source.name, new)
    return notices


def pending_notices(session: Session, *, limit: int = 100) -> list[SourceNotice]:
    """Return the notices nobody has taken yet, oldest first (for the UI and the alerts sender)."""
    return list(session.scalars(
        select(SourceNotice).where(SourceNotice.processed_at.is_(None)).order_by(SourceNotice.id).limit(limit)
    ))
