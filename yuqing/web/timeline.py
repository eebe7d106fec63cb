"""The 操作记录 of a case as sentences an officer reads (Beijing time, Chinese labels, no raw records).

An `AuditEntry` keeps its `detail` as a JSON record for the API and for audits;
the case page shows one sentence per entry, written here from that record. An
action this module does not know is still shown, by its label, never as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


from .labels import MANUAL_KIND_LABELS, label

__all__ = ["audit_sentence"]


def audit_sentence(entry, local: Callable[[datetime | None], str]) -> str:
    """Return the sentence of one audit entry; `local` formats an aware time in the deployment's zone."""
    d = entry.detail or {}
    who = "系统" if entry.actor == "system" else entry.actor
    at = lambda key: _local_iso(d.get(key), local)  # noqa: E731
    action = entry.action
    if action == "open_case":
        clocks = "；".join(f"{label('clock', c.get('kind'))}，期限 {_local_iso(c.get('due_at'), local)}"
                          for c in d.get("clocks") or [])
        why = f"（{d['start_rule']}）" if d.get("start_rule") else ""
        return (f"{who}立案：{label('severity', d.get('severity'))}，指派依据：{label('rule', d.get('rule'))}。"
                f"计时自 {at('start')} 起{why}" + (f"：{clocks}。" if clocks else "。"))
    if action == "open_manual_case":
        ordered = f"，交办时间 {at('ordered_at')}" if d.get("ordered_at") else ""
        return f"{who}手工立案（来源：{MANUAL_KIND_LABELS.get(d.get('kind'), '其他渠道')}{ordered}）。"
    if action == "acknowledge":
        what = "签收一条提醒" if d.get("step_id") else "确认收到案件"
        stopped = d.get("stopped_repeats") or 0
        return f"{who}{what}" + (f"，停止 {stopped} 条反复提醒" if stopped else "") + "；回应时限照常计时。"
    if action == "confirm_response":
        timing = "按时" if d.get("in_time") else "超时"
        link = "，附证明链接" if d.get("url") else ""
        note = f"；备注：{d['note']}" if d.get("note") else ""
        return (f"{who}确认回应：{label('clock', d.get('clock_kind'))}，方式为{label('mode', d.get('mode'))}，"
                f"回应时间 {at('at')}（{timing}）{link}{note}。")
    if action == "change_severity":
        major = "，并认定为特别重大政务舆情" if d.get("especially_major") else ""
        return (f"{who}将级别由{label('severity', d.get('old'))}调整为{label('severity', d.get('new'))}{major}；"
                f"理由：{d.get('reason') or '（未填写）'}。")
    if action == "dismiss":
        return f"{who}撤销案件（不作为重点舆情），回应计时停止；理由：{d.get('reason') or '（未填写）'}。"
    if action == "reassign":
        changes = "；".join(d.get("changes") or []) or "调整责任单位"
        return f"{who}调整责任单位：{changes}；理由：{d.get('reason') or '（未填写）'}。"
    if action == "refer_rumor":
        return (f"{who}登记将谣言线索 {len(d.get('evidence') or [])} 条移送{'、'.join(d.get('to') or ['公安机关', '网信部门'])}"
                f"（国办发〔2016〕61号 二）" + (f"；备注：{d['note']}" if d.get("note") else "") + "。")
    if action == "close_case":
        result = "，调查处理结果已公开" if d.get("result_url") else ""
        unanswered = "、".join(label("clock", k) for k in d.get("unanswered_clocks") or [])
        return f"{who}办结案件{result}" + (f"；办结时仍未确认回应：{unanswered}" if unanswered else "") + "。"
    if action in ("merge_cases", "merged_into"):
        return _merge_sentence(who, action, d)
    if action == "split_case":
        return (f"{who}将 {len(d.get('items') or [])} 条信息拆分为新案件 #{d.get('new_case')}"
                f"（计时自这些信息的最早时间起）；理由：{d.get('reason') or '（未填写）'}。")
    if action == "split_from":
        return f"{who}从案件 #{d.get('from_case')} 拆分出本案；理由：{d.get('reason') or '（未填写）'}。"
    return f"{who}{label('audit', action)}。"


def _merge_sentence(who: str, action: str, d: dict) -> str:
    if action == "merged_into":
        return f"{who}将本案并入案件 #{d.get('into')}（同一舆情），本案计时停止；理由：{d.get('reason') or '（未填写）'}。"
    merged = "、".join(f"#{i}" for i in d.get("merged") or [])
    return (f"{who}将案件 {merged} 并入本案（同一舆情），计时沿用最早起点 {d.get('start_local') or ''}；"
            f"理由：{d.get('reason') or '（未填写）'}。")


def _local_iso(value, local: Callable[[datetime | None], str]) -> str:
    if not value:
        return ""
    try:
        return local(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return str(value)


