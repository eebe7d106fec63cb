"""When the weekly 通报 is due, and what its mail says.

``[reports] weekly = "mon 09:00"`` (Asia/Shanghai) makes the latest such instant
at or before `now` the *slot*; the report due at a slot is the last complete ISO
week before it. A daemon that was down at the slot sends the report when it
comes back within ``catch_up`` (default 3 days) of the slot, and never twice:
the queued messages carry the period in their idempotency key.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from .config import ReportsConfig, parse_weekly
from .figures import Report
from .labels import label
from .periods import Period, parse_period
from .view import num, pct

__all__ = ["last_slot", "weekly_due", "mail_summary", "report_url"]


def last_slot(now: datetime, weekly: str, zone: str = "Asia/Shanghai") -> datetime:
    """Return the latest instant at or before `now` that matches ``"DAY HH:MM"`` in `zone` (aware UTC)."""
    weekday, hour, minute = parse_weekly(weekly)
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, time(hour, minute), tzinfo=tz)
    if slot > local:
        slot -= timedelta(days=7)
    return slot.astimezone(timezone.utc)


def weekly_due(now: datetime, config: ReportsConfig, zone: str = "Asia/Shanghai") -> Period | None:
    """Return the week whose report is due at `now`, or None when no weekly report is configured."""
    if not config.weekly or not config.to:
        return None
    slot = last_slot(now, config.weekly, zone)
    if now - slot > config.catch_up:
        return None
    return parse_period("week", now=slot, zone=zone)


def report_url(base_url: str, period: Period, locality: str | None = None) -> str:
    query = {"period": period.key, **({"locality": locality} if locality else {})}
    return f"{base_url.rstrip('/')}/reports?{urlencode(query)}"


def mail_summary(report: Report) -> list[str]:
    """Return the lines of the weekly mail: the headline figures, then who was late and who is a 约谈 candidate."""
    cur, prev = report.current, report.previous
    every = cur.clock("all")
    lines = [
        f"立案 {cur.cases_opened} 件（上期 {prev.cases_opened} 件）",
        f"回应时限按时率 {pct(every.on_time_rate)}（上期 {pct(prev.clock('all').on_time_rate)}），"
        f"按时 {every.met} 个，超时 {every.overdue} 个",
        f"回应用时中位数 {num(every.median_hours)} 小时，90分位 {num(every.p90_hours)} 小时",
        f"确认收到用时中位数 {num(cur.acknowledgement.median_minutes)} 分钟，未确认 {cur.acknowledgement.unacknowledged} 件",
    ]
    for row in report.overdue[:10]:
        bodies = "、".join(b.name for b in row.bodies)
        lines.append(f"超时：#{row.case_id} {row.title}（{label('clock', row.kind)}，{bodies}，超时 {num(row.late_hours)} 小时）")
    if len(report.overdue) > 10:
        lines.append(f"另有 {len(report.overdue) - 10} 个超时时限，见完整通报")
    for cand in report.interview:
        lines.append(f"约谈候选：{cand.body.name}（{'；'.join(cand.reasons)}）")
    lines.append(f"谣言移送 {cur.rumour_referrals} 次；异常信息源 {cur.sources_down} 个")
    return lines
