"""The template context of a report: figures paired with the previous period, labels, local times.

Shared by the Markdown and HTML renderers so both show the same rows in the
same order; only the markup differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .compute import CLOCK_KINDS
from .figures import Report
from .labels import label
from .periods import LOCAL_ZONE

__all__ = ["Row", "report_context", "local", "pct", "num", "delta"]


@dataclass(frozen=True)
class Row:
    """One table row: a name (and locality) and (current, previous) value pairs in column order."""

    name: str
    locality: str
    cells: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True)
class _Note:
    code: str
    name: str
    note: str


def shown_code(code: str) -> str:
    """Return an indicator's number as the table prints it: "1其中" (a sub-item of 1) as "1.1"."""
    return f"{code.removesuffix('其中')}.1" if code.endswith("其中") else code


def local(at: datetime | None) -> str:
    return at.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M") if at else ""


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def delta(current: Any, previous: Any) -> str:
    """Return "↑2" / "↓1" / "" comparing two numbers (rates in percentage points)."""
    if not isinstance(current, (int, float)) or not isinstance(previous, (int, float)):
        return ""
    d = current - previous
    if abs(d) < 1e-9:
        return "持平"
    if isinstance(current, float) and current <= 1 and previous <= 1 and (current % 1 or previous % 1):
        return f"{'↑' if d > 0 else '↓'}{abs(d) * 100:.1f}个百分点"
    return f"{'↑' if d > 0 else '↓'}{abs(d):g}"


def report_context(report: Report) -> dict[str, Any]:
    """Return what the templates read (every value already a display string or a pair)."""
    cur, prev = report.current, report.previous

    def counts(attr: str, kind: str) -> list[Row]:
        codes = sorted(set(getattr(cur, attr)) | set(getattr(prev, attr)))
        return [Row(label(kind, c), "", ((getattr(cur, attr).get(c, 0), getattr(prev, attr).get(c, 0)),)) for c in codes]

    clocks = []
    for kind in (*CLOCK_KINDS, "all"):
        a, b = cur.clock(kind), prev.clock(kind)
        clocks.append(Row(label("clock", kind), "", (
            (a.decided, b.decided), (a.met, b.met), (a.overdue, b.overdue), (a.carried, b.carried),
            (a.on_time_rate, b.on_time_rate), (a.median_hours, b.median_hours), (a.p90_hours, b.p90_hours))))
    bodies = []
    for body in sorted({x.body for x in cur.bodies} | {x.body for x in prev.bodies}):
        a, b = cur.body(body), prev.body(body)
        bodies.append(Row(body.name, body.locality, (
            (a.cases, b.cases), (a.decided, b.decided), (a.met, b.met), (a.overdue, b.overdue),
            (a.unacknowledged, b.unacknowledged), (a.on_time_rate, b.on_time_rate))))
    localities = []
    for loc in sorted({x.locality for x in cur.localities} | {x.locality for x in prev.localities}):
        a, b = cur.locality(loc), prev.locality(loc)
        localities.append(Row(loc, loc, (
            (a.cases, b.cases), (a.decided, b.decided), (a.met, b.met), (a.overdue, b.overdue),
            (a.on_time_rate, b.on_time_rate))))
    indicators = [Row(f"{i.code} {i.name}", i.unit, ((i.value, prev.indicator(i.code).value if prev.indicator(i.code) else None),))
                  for i in cur.indicators]
    a_ack, b_ack = cur.acknowledgement, prev.acknowledgement
    summary = [
        f"立案 {cur.cases_opened} 件（上期 {prev.cases_opened} 件）",
        f"时限按时率 {pct(cur.clock('all').on_time_rate)}（上期 {pct(prev.clock('all').on_time_rate)}），"
        f"超时 {cur.clock('all').overdue} 个",
        f"回应用时中位数 {num(cur.clock('all').median_hours)} 小时，90分位 {num(cur.clock('all').p90_hours)} 小时",
        f"约谈候选单位 {len(report.interview)} 个；谣言移送 {cur.rumour_referrals} 次；异常信息源 {cur.sources_down} 个",
    ]
    return {
        "report": report, "cur": cur, "prev": prev, "title": report.title, "period": cur.period,
        "generated": local(report.generated_at), "summary": summary,
        "criteria": counts("by_criterion", "criterion"), "severities": counts("by_severity", "severity"),
        "sectors": counts("by_sector", "sector"), "clocks": clocks, "bodies": bodies, "localities": localities,
        "ack": Row("确认收到", "", ((a_ack.cases, b_ack.cases), (a_ack.acknowledged, b_ack.acknowledged),
                                  (a_ack.unacknowledged, b_ack.unacknowledged),
                                  (a_ack.median_minutes, b_ack.median_minutes), (a_ack.p90_minutes, b_ack.p90_minutes))),
        "indicators": indicators,
        "indicator_notes": [_Note(shown_code(i.code), i.name.removeprefix("其中："), i.note) for i in cur.indicators if i.note],
        "units": cur.indicators_by_unit, "indicator_heads": [shown_code(i.code) for i in cur.indicators],
        "overdue": report.overdue, "interview": report.interview, "interview_rule": report.interview_rule,
        "referrals": report.referrals, "outages": report.outages, "notes": report.notes,
        "label": label, "local": local, "pct": pct, "num": num, "delta": delta,
    }
