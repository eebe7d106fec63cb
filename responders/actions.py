"""What an officer does to a case; each action writes an `AuditEntry` (actor, time) and commits.

Used by the web UI and the API. Every function takes `(session, now, *, ...)`,
raises `CaseNotFound` / `InvalidAction` (Chinese messages, shown as they are)
and returns the changed record.

Notifications about an action (`confirmed`, `reassigned`, ...) are one-off
`ClockStep` rows due at once: the firing loop turns them into `ClockEvent`s
with recipients resolved from the directory, exactly once, like every other step.

Severity change rule (RULES.md N-7, the product's choice, README "Response clocks"):
1. the case's running and overdue clocks become `replaced` (kept, with their steps
   cancelled), clocks already `met` stay as they are;
2. the new severity's clocks start at the case's original clock start: the duty to
   respond began when the opinion did, not when it was re-graded;
3. a new deadline that has passed or falls within `regrade_grace` (default 1 h) of
   the change is moved to change + grace, so the body always gets a workable
   deadline, and the trace says so;
4. a kind already met is not planned again; on a downgrade to `general`, a response
   already confirmed of any kind satisfies the 48 h `response` clock (T-3: any mode).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from monitor.assessment import SEVERITIES, Assessment
from monitor.timestamps import SHANGHAI, format_duration

from .assignment import Assignment, BodyRef, apply_override, assign
from .cases import open_case, plan_case_clocks
from .clockplan import CLOCKS_FOR_SEVERITY
from .config import SECTORS, ClocksConfig
from .directory import Directory
from .errors import CaseNotFound, InvalidAction
from .labels import record_label
from .ladder import NOTICE_STEPS
from .models import AuditEntry, Case, Clock, ClockStep, Response
from .vocabulary import RESPONSE_MODES, severity_words
from .vocabulary import SECTORS as SECTOR_WORDS

logger = logging.getLogger(__name__)

__all__ = [
    "acknowledge", "confirm_response", "change_severity", "dismiss", "reassign", "refer_rumor",
    "open_manual_case", "close_case", "MANUAL_KINDS",
]

MANUAL_KINDS = {"superior_order": "上级交办", "phone_tip": "电话报告", "other": "其他渠道"}
_LIVE = ("running", "overdue")
_STEP = ClockStep.__table__


def _case(session: Session, case_id) -> Case:
    case = session.get(Case, int(case_id)) if isinstance(case_id, int) or str(case_id).isdigit() else None
    if case is None:
        raise CaseNotFound(case_id)
    return case


def _open(case: Case) -> None:
    if case.status == "review":
        raise InvalidAction(f"案件 {case.id} 待研判，请先确认为重点舆情或排除（非重点舆情）")
    if case.status != "open":
        raise InvalidAction(f"案件 {case.id} 已{'结案' if case.status == 'closed' else '撤销'}，不能再操作")


def _text(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidAction(f"请填写{what}")
    return str(value).strip()


def _audit(session: Session, now: datetime, case: Case | None, actor: str, action: str, **detail) -> AuditEntry:
    entry = AuditEntry(case_id=case.id if case else None, at=now, actor=_text(actor, "操作人"), action=action,
                       detail=detail)
    session.add(entry)
    return entry


def _clocks(session: Session, case: Case) -> list[Clock]:
    return list(session.exec(select(Clock).where(Clock.case_id == case.id).order_by(Clock.due_at, Clock.id)))


def _notice(session: Session, now: datetime, case: Case, step: str, *, clock: Clock | None = None,
            note: str | None = None) -> None:
    """Plan a one-off notice step due now (fired by the loop, recipients resolved there)."""
    assert step in NOTICE_STEPS
    clock = clock or next(iter(_clocks(session, case)), None)
    if clock is None:
        return
    session.add(ClockStep(clock_id=clock.id, case_id=case.id, step=step, due_at=now, note=note))


def _live(clock: Clock) -> bool:
    """Return True for a clock still counting (running, or overdue and not yet answered)."""
    return clock.status in _LIVE and clock.stopped_at is None


def _cancel_pending(session: Session, *, clock_ids: list[int], reason: str,
                    keep: tuple[str, ...] = NOTICE_STEPS + ("follow_up",)) -> int:
    """Cancel the pending ladder steps of `clock_ids`; notices and (by default) 持续发布 follow-ups stay."""
    if not clock_ids:
        return 0
    where = [_STEP.c.clock_id.in_(clock_ids), _STEP.c.status == "pending", _STEP.c.step.not_in(keep)]
    return session.execute(update(_STEP).where(*where).values(status="cancelled", note=reason)).rowcount


def _stop_clocks(session: Session, now: datetime, case: Case, *, status: str, reason: str,
                 end_case: bool = False) -> list[Clock]:
    """Stop the live clocks; `end_case` also cancels the follow-ups (they sit on the first clock, met or not)."""
    stopped = [c for c in _clocks(session, case) if _live(c)]
    for c in stopped:
        c.status, c.stopped_at, c.reason = status, now, reason
        session.add(c)
    session.flush()
    clock_ids = [c.id for c in _clocks(session, case)] if end_case else [c.id for c in stopped]
    _cancel_pending(session, clock_ids=clock_ids, reason=reason, keep=NOTICE_STEPS if end_case else NOTICE_STEPS + ("follow_up",))
    return stopped


def acknowledge(session: Session, now: datetime, *, case_id, actor: str, step_id: int | None = None) -> Case:
    """Acknowledge the case's notices: stop the repeats, never the clock.

    With `step_id`, only that step's repeats stop (its clock and step kind);
    ladder steps still to come fire as planned and repeat until acknowledged again.
    """
    case = _case(session, case_id)
    _open(case)
    fired = select(ClockStep).where(ClockStep.case_id == case.id, ClockStep.status == "fired",
                                    ClockStep.acknowledged_at.is_(None))
    repeats = [_STEP.c.case_id == case.id, _STEP.c.status == "pending", _STEP.c.attempt > 0,
               _STEP.c.step.not_in(("follow_up",) + NOTICE_STEPS)]
    if step_id is not None:
        step = session.get(ClockStep, step_id)
        if step is None or step.case_id != case.id:
            raise InvalidAction(f"提醒 {step_id} 不属于案件 {case.id}")
        fired = fired.where(ClockStep.clock_id == step.clock_id, ClockStep.step == step.step)
        repeats += [_STEP.c.clock_id == step.clock_id, _STEP.c.step == step.step]
    acked = 0
    for row in session.exec(fired):
        row.acknowledged_at = now
        session.add(row)
        acked += 1
    stopped = session.execute(update(_STEP).where(*repeats).values(
        status="cancelled", note=f"已签收（{actor}）")).rowcount
    case.acknowledged_at, case.acknowledged_by = now, actor
    session.add(case)
    _audit(session, now, case, actor, "acknowledge", step_id=step_id, acknowledged_steps=acked, stopped_repeats=stopped)
    session.commit()
    logger.info("case %s acknowledged by %s (%d steps, %d repeats stopped)", case.id, actor, acked, stopped)
    return case


def confirm_response(session: Session, now: datetime, *, case_id, clock_kind: str, mode: str,
                     at: datetime | None = None, url: str | None = None, note: str | None = None,
                     actor: str) -> Response:
    """Record a response and stop the matching clock (`met`, or `overdue` when it came late)."""
    case = _case(session, case_id)
    _open(case)
    mode = _text(mode, "回应方式")
    at = at or now
    if at.tzinfo is None:
        raise InvalidAction("回应时间须带时区")
    if at > now:
        raise InvalidAction("回应时间不能晚于当前时间")
    clocks = [c for c in _clocks(session, case) if c.kind == clock_kind]
    live = [c for c in clocks if _live(c)]
    if not live:
        if any(c.status == "met" for c in clocks):
            raise InvalidAction(f"该案的{_KIND_LABEL.get(clock_kind, clock_kind)}时限已确认回应")
        raise InvalidAction(f"该案没有进行中的{_KIND_LABEL.get(clock_kind, clock_kind)}时限（{clock_kind}）")
    clock = live[0]
    response = Response(case_id=case.id, clock_kind=clock_kind, mode=mode, at=at, url=url, note=note,
                        recorded_by=actor, recorded_at=now)
    session.add(response)
    in_time = at <= clock.due_at
    clock.status = "met" if in_time else "overdue"
    clock.stopped_at = now
    clock.reason = f"已确认回应（{mode}）" if in_time else f"超时后确认回应（{mode}，超时{format_duration(at - clock.due_at)}）"
    session.add(clock)
    session.flush()
    _cancel_pending(session, clock_ids=[clock.id], reason="已确认回应")
    _notice(session, now, case, "confirmed", clock=clock, note=_response_words(response, in_time=in_time, due_at=clock.due_at))
    _audit(session, now, case, actor, "confirm_response", clock_kind=clock_kind, mode=mode, at=at.isoformat(),
           url=url, note=note, in_time=in_time)
    session.commit()
    logger.info("case %s %s confirmed by %s (%s, %s)", case.id, clock_kind, actor, mode, "in time" if in_time else "late")
    return response


def _response_words(response: Response, *, in_time: bool, due_at: datetime) -> str:
    """Return what a confirmed response was, as the 【已回应】 message says it (Beijing time, Chinese labels)."""
    when = response.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    timing = "按时" if in_time else f"超时{format_duration(response.at - due_at)}"
    parts = [f"回应方式：{RESPONSE_MODES.get(response.mode, response.mode)}", f"回应时间：{when}（北京时间，{timing}）"]
    if response.url:
        parts.append(f"证明链接：{response.url}")
    if response.note:
        parts.append(f"备注：{response.note}")
    parts.append(f"登记人：{response.recorded_by}")
    return "\n".join(parts)


_KIND_LABEL = {"first_release": "5小时发布权威信息", "press_conference": "24小时新闻发布会", "response": "48小时回应"}


def change_severity(session: Session, now: datetime, *, case_id, severity: str, especially_major: bool | None = None,
                    reason: str, actor: str, config: ClocksConfig) -> Case:
    """Re-grade the case and replace its clocks by the rule in the module docstring."""
    case = _case(session, case_id)
    _open(case)
    reason = _text(reason, "调整理由")
    if severity not in SEVERITIES:
        raise InvalidAction(f"未知的事件级别：{severity}（可选：{'、'.join(SEVERITIES)}）")
    old_severity, old_major = case.severity, case.especially_major
    if especially_major is not None:
        case.especially_major = especially_major
    replaced: list[Clock] = []
    if severity != case.severity:
        clocks = _clocks(session, case)
        start = min(c.started_at for c in clocks) if clocks else case.opened_at
        met_kinds = {c.kind for c in clocks if c.status == "met" or (c.status == "overdue" and c.stopped_at)}
        replaced = _stop_clocks(session, now, case, status="replaced", reason=f"定级调整：{severity_words(old_severity)} → {severity_words(severity)}（{reason}）")
        kinds = tuple(k for k in CLOCKS_FOR_SEVERITY[severity] if k not in met_kinds)
        answered = session.exec(select(Response).where(Response.case_id == case.id)).first()
        if severity == "general" and answered is not None and "response" in kinds:
            # T-3: any mode answers the 48 h duty; a response already confirmed satisfies it.
            session.add(Clock(case_id=case.id, kind="response", hours=config.response.total_seconds() / 3600,
                              started_at=start, due_at=start + config.response, status="met", stopped_at=now,
                              reason=f"定级调整前已确认回应（{answered.mode}）"))
            kinds = tuple(k for k in kinds if k != "response")
        case.severity = severity
        if kinds:
            planned = plan_case_clocks(session, now, case=case, started_at=start, config=config, severity=severity,
                                       with_opened=False, kinds=kinds, min_due_at=now + config.regrade_grace)
            trace = list(case.responsible.get("trace") or [])
            for c in planned:
                due = c.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                line = (f"定级调整为{severity_words(severity)}：{_KIND_LABEL.get(c.kind, c.kind)}自原起点计时，"
                        f"时限 {due}（北京时间）（N-7）")
                if c.due_at == now + config.regrade_grace:
                    line += f"；原时限已过或临近，顺延至调整后 {format_duration(config.regrade_grace)}"
                trace.append(line)
            case.responsible = {**case.responsible, "trace": trace}
    session.add(case)
    session.flush()
    if severity != old_severity or case.especially_major != old_major:
        _notice(session, now, case, "regraded", note=f"级别由{severity_words(old_severity, old_major)}调整为"
                f"{severity_words(severity, case.especially_major)}\n理由：{reason}（{actor}）")
    _audit(session, now, case, actor, "change_severity", old=old_severity, new=severity,
           especially_major=case.especially_major, reason=reason, replaced_clocks=[c.id for c in replaced])
    lower = (old_severity == "major_emergency" and severity == "general") or (old_major and not case.especially_major)
    if severity != old_severity or case.especially_major != old_major:
        # Issue 14: the officer's verdict on the severity, learned from (the system's own upgrades are not).
        record_label(session, now, case=case, actor=actor, decision="downgrade" if lower else "upgrade", priority=True,
                     reason=reason, severity=severity, localities=list(case.localities or []),
                     sectors=list(case.sectors or []))
    case_id = case.id       # read before the commit expires the case: after it, a query
    session.commit()
    logger.info("case %s re-graded %s -> %s by %s (%d clocks replaced)", case_id, old_severity, severity, actor, len(replaced))
    return case


def dismiss(session: Session, now: datetime, *, case_id, reason: str, actor: str) -> Case:
    """Dismiss the case (not a priority opinion after all) and stop all of its clocks."""
    case = _case(session, case_id)
    _open(case)
    reason = _text(reason, "撤销理由")
    stopped = _stop_clocks(session, now, case, status="stopped", reason=f"撤销：{reason}", end_case=True)
    case.status, case.closed_at, case.dismissed_reason = "dismissed", now, reason
    session.add(case)
    _notice(session, now, case, "dismissed", note=f"理由：{reason}（{actor}）")
    _audit(session, now, case, actor, "dismiss", reason=reason, stopped_clocks=[c.id for c in stopped])
    record_label(session, now, case=case, actor=actor, decision="dismiss", priority=False, reason=reason)
    session.commit()
    logger.info("case %s dismissed by %s", case.id, actor)
    return case


def _body_key(directory: Directory, ref, what: str) -> tuple[str, str]:
    """Return the directory key of a body given as {"locality", "sector"|"role"} or (locality, sector or role)."""
    if isinstance(ref, dict):
        key = (ref.get("locality"), ref.get("sector") or ref.get("role"))
    elif isinstance(ref, (tuple, list)) and len(ref) == 2:
        key = tuple(ref)
    else:
        raise InvalidAction(f"{what}须写作（地区全称，部门代码）")
    body = directory.body(*key)
    if body is None:
        raise InvalidAction(f"组织目录中没有{what}：{key[0]} {SECTOR_WORDS.get(key[1], key[1])}")
    return body.key


def reassign(session: Session, now: datetime, *, case_id, actor: str, reason: str, directory: Directory,
             reassign_to=None, add_co_responder=None, lead=None) -> Case:
    """Change who must respond; the clocks keep their original start and the new owner is told.

    `reassign_to`: a body key (locality, sector or role), or a list of them, as the new
    第一责任主体; `add_co_responder`: one body key added as co-responder; `lead`: one body key.
    The assignment is re-derived from the new first body as the rules would have made it
    (`responders.rules.override`, A-7, A-8, E-12): its coordinators (政府办公厅、宣传部…), its
    leader, the 主要负责同志 of an especially major case; a 待研判 case gets the rule of the
    body chosen. The record keeps `overridden` and `overrides` (who decided, why).
    """
    case = _case(session, case_id)
    _open(case)
    reason = _text(reason, "改派理由")
    if reassign_to is None and add_co_responder is None and lead is None:
        raise InvalidAction("请指定新的责任单位、协办单位或牵头单位")
    record = dict(case.responsible or {})
    old_first = list(record.get("first") or [])
    before = Assignment.from_record({"rule": case.rule or "needs_triage", **record})
    before = replace(before, extra={"overrides": list(record.get("overrides") or [])})
    targets = [] if reassign_to is None else (reassign_to if isinstance(reassign_to, list) else [reassign_to])
    keys = [_body_key(directory, t, "责任单位") for t in targets]
    co_key = _body_key(directory, add_co_responder, "协办单位") if add_co_responder is not None else None
    lead_key = _body_key(directory, lead, "牵头单位") if lead is not None else None
    after = apply_override(before, directory=directory, reassign_to=keys[0] if keys else None,
                           add_co_responder=co_key, lead=lead_key if len(keys) <= 1 else None, reason=reason,
                           actor=actor, especially_major=case.especially_major)
    for extra in keys[1:]:       # several first bodies: the others join as first bodies
        body = directory.body(*extra)
        after = replace(after, first=(*after.first, BodyRef(body.name, body.locality, body.sector, body.role)))
    if lead_key is not None and len(keys) > 1:
        after = apply_override(after, directory=directory, lead=lead_key, reason=reason, actor=actor,
                               especially_major=case.especially_major)
    changes = _changes(before, after)
    new = after.to_record()
    new["overridden"] = True
    new["overrides"] = list(after.extra.get("overrides") or [])
    new["overrides"][-1] = {**new["overrides"][-1], "at": now.isoformat(), "changes": changes}
    case.responsible = new
    case.rule = after.rule
    case.first_body = "、".join(b.name for b in after.first) or None
    session.add(case)
    session.flush()
    _notice(session, now, case, "reassigned", note="\n".join(changes + [f"理由：{reason}（{actor}）"]))
    _audit(session, now, case, actor, "reassign", reason=reason, old_first=old_first, changes=changes, new=new)
    if reassign_to is not None:
        # The places and sectors of the new first body are the officer's verdict on them (a label).
        first = new["first"]
        record_label(session, now, case=case, actor=actor, decision="reassign", priority=True, reason=reason,
                     severity=case.severity, localities=list(dict.fromkeys(b["locality"] for b in first)),
                     sectors=list(dict.fromkeys(b["sector"] for b in first if b.get("sector"))))
    session.commit()
    logger.info("case %s reassigned by %s: %s", case.id, actor, "; ".join(changes))
    return case


def _changes(before: Assignment, after: Assignment) -> list[str]:
    """Return, in Chinese, exactly what an override changed (first bodies, co-responders, lead, leader)."""
    names = lambda bodies: "、".join(b.name for b in bodies)  # noqa: E731
    out = []
    if [b.key for b in before.first] != [b.key for b in after.first]:
        out.append(f"第一责任主体由{names(before.first) or '待研判'}改为{names(after.first)}")
    added = [b for b in after.co_responders if b.key not in {c.key for c in before.co_responders}]
    if added:
        out.append(f"增加属地回应单位{names(added)}")
    if after.lead is not None and (before.lead is None or before.lead.key != after.lead.key):
        out.append(f"指定牵头部门{after.lead.name}")
    joined = [b for b in after.coordinators if b.key not in {c.key for c in before.coordinators}]
    if joined:
        out.append(f"协调单位增加{names(joined)}")
    if after.leader is not None and (before.leader is None or before.leader.name != after.leader.name):
        out.append(f"分管领导为{after.leader.name}")
    if after.principal is not None and (before.principal is None or before.principal.name != after.principal.name):
        out.append(f"主要负责同志{after.principal.name}负起领导责任")
    return out


def refer_rumor(session: Session, now: datetime, *, case_id, evidence: list[str], note: str | None,
                actor: str) -> AuditEntry:
    """Record a referral of rumour leads to the police and the cyberspace office (RULES.md R-1, R-5)."""
    case = _case(session, case_id)
    links = [str(e).strip() for e in (evidence or []) if str(e).strip()]
    if not links:
        raise InvalidAction("移交公安、网信部门须附线索链接（证据）")
    entry = _audit(session, now, case, actor, "refer_rumor", evidence=links, note=note,
                   to=["公安机关", "网信部门"], rule="国办发〔2016〕61号 二（R-1）")
    session.commit()
    logger.info("case %s rumour referred by %s (%d links)", case.id, actor, len(links))
    return entry


def open_manual_case(session: Session, now: datetime, *, title: str, text: str, actor: str, kind: str,
                     ordered_at: datetime | None = None, localities: list[str], sectors: list[str], severity: str,
                     especially_major: bool = False, directory: Directory, config: ClocksConfig,
                     drill: bool = False) -> Case:
    """Open a case from a superior's order or a phone tip; it then follows the same rules as any case.

    `drill`: the deployment is a drill (`Config.drill`); the case is then a drill case like every
    case the pipeline opens there (its messages marked 【演练】, never counted in the 通报).
    """
    title = _text(title, "标题")
    if kind not in MANUAL_KINDS:
        raise InvalidAction(f"未知的立案来源：{kind}（可选：{'、'.join(MANUAL_KINDS)}）")
    if severity not in SEVERITIES:
        raise InvalidAction(f"未知的事件级别：{severity}（可选：{'、'.join(SEVERITIES)}）")
    unknown = [loc for loc in localities if loc not in directory.localities]
    if unknown:
        raise InvalidAction(f"组织目录中没有这些地区：{'、'.join(unknown)}（请写全称，如 山西省晋中市太谷区）")
    bad = [s for s in sectors if s not in SECTORS]
    if bad:
        raise InvalidAction(f"未知的部门代码：{'、'.join(bad)}")
    if ordered_at is not None and (ordered_at.tzinfo is None or ordered_at > now):
        raise InvalidAction("交办时间须带时区且不能晚于当前时间")
    superior = kind == "superior_order"
    assessment = Assessment(
        priority=True, criteria=("superior_request",) if superior else (), severity=severity,
        especially_major=especially_major, localities=tuple(localities), sectors=tuple(sectors), in_jurisdiction=True,
        rationale=(f"人工立案（{MANUAL_KINDS[kind]}，{actor}）",), superior_request=superior,
        superior_order_at=(ordered_at or now) if superior else None,
    )
    case = open_case(session, now, assessment=assessment, assignment=assign(assessment, directory), config=config,
                     title=title, opened_by=actor, description=text, drill=drill)
    _audit(session, now, case, actor, "open_manual_case", kind=kind, text=text,
           ordered_at=ordered_at.isoformat() if ordered_at else None)
    session.commit()
    return case


def close_case(session: Session, now: datetime, *, case_id, result_url: str | None, actor: str) -> Case:
    """Close the case, recording where the investigation result was published (T-6)."""
    case = _case(session, case_id)
    _open(case)
    if result_url is not None and result_url.strip() and not result_url.strip().startswith(("http://", "https://")):
        raise InvalidAction("调查处理结果的发布地址须以 http:// 或 https:// 开头")
    result_url = result_url.strip() if result_url and result_url.strip() else None
    stopped = _stop_clocks(session, now, case, status="stopped", reason="结案时仍未确认回应", end_case=True)
    case.status, case.closed_at, case.result_url = "closed", now, result_url
    session.add(case)
    _notice(session, now, case, "closed", note=f"调查处理结果：{result_url}" if result_url else None)
    _audit(session, now, case, actor, "close_case", result_url=result_url, unanswered_clocks=[c.kind for c in stopped])
    session.commit()
    logger.info("case %s closed by %s", case.id, actor)
    return case
