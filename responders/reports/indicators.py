"""The annual-report indicators of 国办发〔2014〕32号 统计表 二、回应解读情况 (RULES.md 7.3).

Computed from confirmed responses (`Response` rows), each charged to one 填报单位:
the lead unit holding the case when the response was made (RULES.md A-17,
"联合发布的回应情况以回应该热点或舆情的牵头负责单位为填报单位"); co-responders of a
joint response get nothing, so a joint response is counted once.

Mapping of the stored response modes (ASCII codes of the web layer, RULES.md 7.1):

| indicator | counted from | unit of counting |
|---|---|---|
| 二(一) 回应公众关注热点或重大舆情数 | any mode | one per case, in the period of its first response ("以多种形式回应同一热点或舆情的计为 1 次") |
| 1 参加或举办新闻发布会总次数 | press_conference, briefing (吹风会/媒体通气会 count, 填报说明 10) | one per held conference (case, time) |
| 2 政府网站在线访谈次数 | online_interview | one per interview (case, time) |
| 3 政策解读稿件发布数 | authoritative_info on a case with criterion policy_misread (inference: the release answering a misread policy is an interpretation piece) | one per piece (case, time) |
| 4 微博微信回应事件数 | weibo_wechat | one per case in the period ("同一事件多次回应计为 1 次") |
| 5 其他方式回应事件数 | media_interview, other (广播、电视、报刊等) | one per case in the period |
| 1其中 / 2其中 主要负责同志参加… | — | not computable: a response record does not say who attended; reported as None |

The same response recorded for two clocks (a press conference that also met the
5 h clock) has the same case, mode and time, and is counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from ..models import Case, Response
from .figures import Body, Indicator, UnitIndicators

__all__ = ["INDICATORS", "compute_indicators"]

# (code, verbatim name, unit, modes or None)
INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("二(一)", "回应公众关注热点或重大舆情数", "次"),
    ("1", "参加或举办新闻发布会总次数", "次"),
    ("1其中", "其中：主要负责同志参加新闻发布会次数", "次"),
    ("2", "政府网站在线访谈次数", "次"),
    ("2其中", "其中：主要负责同志参加政府网站在线访谈次数", "次"),
    ("3", "政策解读稿件发布数", "篇"),
    ("4", "微博微信回应事件数", "次"),
    ("5", "其他方式回应事件数", "次"),
)
_CODES = [c for c, _, _ in INDICATORS]
_PRESS = {"press_conference", "briefing"}
_EVENTS = {"4": {"weibo_wechat"}, "5": {"media_interview", "other"}}
_NOT_RECORDED = {"1其中", "2其中"}
_NOTES = {
    "二(一)": "同一舆情多种形式回应计1次，计入首次回应所在期间；联合回应计入牵头单位（A-17）",
    "1": "含吹风会、媒体通气会",
    "1其中": "回应记录未登记出席人职务，暂无法统计",
    "2其中": "回应记录未登记出席人职务，暂无法统计",
    "3": "按对政策误读舆情发布的权威信息计（推定）",
    "4": "同一事件多次回应计1次",
    "5": "接受媒体采访及其他方式；同一事件多次回应计1次",
}


def compute_indicators(
    responses: Iterable[tuple[Response, Case]], *, first_response_at: dict[int, datetime],
    unit_at: Callable[[int, datetime], Body | None], in_period: Callable[[datetime], bool],
) -> tuple[tuple[Indicator, ...], tuple[UnitIndicators, ...]]:
    """Return the totals and the per-unit rows of the indicators.

    `responses` are the confirmed responses made in the period with their cases;
    `first_response_at` is each case's first response ever; `unit_at(case_id, t)`
    is the lead unit at t (None: outside the report's scope).
    """
    per_unit: dict[Body, dict[str, int]] = {}
    seen: set[tuple] = set()

    def add(code: str, unit: Body | None, key: tuple) -> None:
        if unit is None or (code, key) in seen:
            return
        seen.add((code, key))
        counts = per_unit.setdefault(unit, dict.fromkeys(_CODES, 0))
        counts[code] += 1

    for response, case in sorted(responses, key=lambda rc: (rc[0].at, rc[0].id or 0)):
        unit = unit_at(case.id, response.at)
        first = first_response_at.get(case.id)
        if first is not None and in_period(first):
            add("二(一)", unit_at(case.id, first), (case.id,))
        if response.mode in _PRESS:
            add("1", unit, (case.id, response.at))
        elif response.mode == "online_interview":
            add("2", unit, (case.id, response.at))
        elif response.mode == "authoritative_info" and "policy_misread" in (case.criteria or []):
            add("3", unit, (case.id, response.at))
        for code, modes in _EVENTS.items():
            if response.mode in modes:
                add(code, unit, (case.id,))

    units = tuple(
        UnitIndicators(body, tuple(None if c in _NOT_RECORDED else counts[c] for c in _CODES))
        for body, counts in sorted(per_unit.items(), key=lambda kv: (-kv[1]["二(一)"], kv[0]))
    )
    totals = tuple(
        Indicator(code, name, unit, None if code in _NOT_RECORDED else sum(u.values[i] for u in units), _NOTES.get(code, ""))
        for i, (code, name, unit) in enumerate(INDICATORS)
    )
    return totals, units
