"""Render a report as one CSV table: section, item, locality, metric, current, previous.

One long table rather than several files: a spreadsheet user filters by the
first column, and the whole report stays one download. Rates are percentages
with one decimal; an empty cell means "not applicable" (nothing decided).
Excel needs a byte-order mark to read UTF-8: the CLI writes one into files.
"""

from __future__ import annotations

import csv
import io

from .compute import CLOCK_KINDS
from .figures import Figures, Report
from .labels import label
from .periods import LOCAL_ZONE

__all__ = ["render_csv", "HEADER"]

HEADER = ("section", "item", "locality", "metric", "current", "previous")


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def _num(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _local(at) -> str:
    return at.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M") if at else ""


def render_csv(report: Report) -> str:
    cur, prev = report.current, report.previous
    buf = io.StringIO()
    w = _SafeWriter(csv.writer(buf, lineterminator="\r\n"))
    w.writerow(HEADER)
    w.writerow(("报告", report.title, report.locality or "", "期间", cur.period.key, prev.period.key))

    def pair(section: str, item: str, metric: str, get, locality: str = "") -> None:
        w.writerow((section, item, locality, metric, get(cur), get(prev)))

    pair("案件", "合计", "立案数", lambda f: f.cases_opened)
    pair("案件", "合计", "不作为重点舆情", lambda f: f.dismissed)
    for kind, attr in (("criterion", "by_criterion"), ("severity", "by_severity"), ("sector", "by_sector")):
        for code in sorted(set(getattr(cur, attr)) | set(getattr(prev, attr))):
            pair("案件", label(kind, code), {"criterion": "按标准", "severity": "按级别", "sector": "按领域"}[kind],
                 lambda f, a=attr, c=code: getattr(f, a).get(c, 0))
    for kind in (*CLOCK_KINDS, "all"):
        item = label("clock", kind)
        pair("时限", item, "应判定", lambda f, k=kind: f.clock(k).decided)
        pair("时限", item, "按时", lambda f, k=kind: f.clock(k).met)
        pair("时限", item, "超时", lambda f, k=kind: f.clock(k).overdue)
        pair("时限", item, "跨期未到期", lambda f, k=kind: f.clock(k).carried)
        pair("时限", item, "按时率(%)", lambda f, k=kind: _pct(f.clock(k).on_time_rate))
        pair("时限", item, "回应用时中位数(小时)", lambda f, k=kind: _num(f.clock(k).median_hours))
        pair("时限", item, "回应用时90分位(小时)", lambda f, k=kind: _num(f.clock(k).p90_hours))
    pair("确认收到", "合计", "已确认", lambda f: f.acknowledgement.acknowledged)
    pair("确认收到", "合计", "未确认", lambda f: f.acknowledgement.unacknowledged)
    pair("确认收到", "合计", "用时中位数(分钟)", lambda f: _num(f.acknowledgement.median_minutes))
    pair("确认收到", "合计", "用时90分位(分钟)", lambda f: _num(f.acknowledgement.p90_minutes))
    pair("谣言移送", "合计", "移送次数", lambda f: f.rumour_referrals)
    pair("信息源", "合计", "异常信息源数", lambda f: f.sources_down)

    bodies = sorted({b.body for b in cur.bodies} | {b.body for b in prev.bodies})
    for body in bodies:
        for metric, attr in (("立案数", "cases"), ("应判定", "decided"), ("按时", "met"), ("超时", "overdue"),
                             ("升级提醒未确认", "unacknowledged")):
            pair("责任单位", body.name, metric, lambda f, b=body, a=attr: getattr(f.body(b), a), body.locality)
        pair("责任单位", body.name, "按时率(%)", lambda f, b=body: _pct(f.body(b).on_time_rate), body.locality)
    for loc in sorted({x.locality for x in cur.localities} | {x.locality for x in prev.localities}):
        for metric, attr in (("立案数", "cases"), ("应判定", "decided"), ("按时", "met"), ("超时", "overdue")):
            pair("地区", loc, metric, lambda f, l=loc, a=attr: getattr(f.locality(l), a), loc)
        pair("地区", loc, "按时率(%)", lambda f, l=loc: _pct(f.locality(l).on_time_rate), loc)

    for i, ind in enumerate(cur.indicators):
        pair("国办发〔2014〕32号", f"{ind.code} {ind.name}", ind.unit, lambda f, n=i: _num(_ind(f, n)))
    for unit in cur.indicators_by_unit:
        for ind, value in zip(cur.indicators, unit.values):
            w.writerow(("32号分单位", unit.body.name, unit.body.locality, f"{ind.code} {ind.name}", _num(value), ""))

    for r in report.overdue:
        w.writerow(("超时清单", f"#{r.case_id} {r.title}", "、".join(b.locality for b in r.bodies),
                    f"{label('clock', r.kind)}；{'、'.join(b.name for b in r.bodies)}；截止 {_local(r.due_at)}；"
                    f"回应 {_local(r.responded_at) or '未回应'}", _num(r.late_hours), ""))
    for c in report.interview:
        w.writerow(("约谈候选", c.body.name, c.body.locality, "；".join(c.reasons), c.overdue, c.unacknowledged))
    for r in report.referrals:
        w.writerow(("谣言移送", f"#{r.case_id} {r.title}", "", f"{_local(r.at)} 移送 {'、'.join(r.to)}", r.actor, ""))
    for o in report.outages:
        w.writerow(("信息源异常", o.source, "", f"{label('source', o.kind)} {_local(o.at)}",
                    _local(o.recovered_at) or "未恢复", o.detail))
    return buf.getvalue()


class _SafeWriter:
    """Neutralise spreadsheet formulas: case titles come from feeds (CSV injection, OWASP).

    A text cell starting with = + - @ or a control character gets a leading apostrophe,
    which spreadsheets show as text; numbers are written as they are.
    """

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row) -> None:
        self._writer.writerow([("'" + v) if isinstance(v, str) and v[:1] in _FORMULA else v for v in row])


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _ind(f: Figures, i: int):
    return f.indicators[i].value if i < len(f.indicators) else None
