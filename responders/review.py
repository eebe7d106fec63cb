"""The officer's decision on a 待研判 (review) case: confirm it as a priority opinion, or dismiss it (issue 14).

A review case (`Case.status == "review"`, opened by `cases.open_cases_for_judged`
for an assessment with `review=True`) has `provisional` clocks counting from the
same start as any case's (N-1: first detection by default), and a ladder that
tells only the on-duty officer (`ladder.plan_review_steps`).

- `confirm_review`: the case becomes an ordinary open case. With the provisional
  severity, its clocks become `running` with their start and deadlines unchanged
  (no time lost, none granted: the duty to respond began with the opinion); with
  another severity the officer chose, the provisional clocks are `replaced` and
  the chosen severity's clocks count from the same start. The full ladder is
  planned from the confirmation: the opening notice to the first body at once,
  and of the steps already past only the latest (`ladder.plan_steps`).
- `promote_reviews_for_judged`: when a later judgement of the event (more reports, a
  rising toll) is a priority, the judge is now sure: the case is confirmed as above
  with the new severity (actor "system"; not a label, it is the judge's own verdict).
- `dismiss_review`: the case closes as not a priority opinion (`dismissed`, with
  the reason, required); its provisional clocks stop. No body is told (none was).

Both write an `AuditEntry` and a `labels.JudgementLabel` and commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from monitor.assessment import SEVERITIES
from monitor.timestamps import SHANGHAI

from .actions import _KIND_LABEL, _audit, _case, _text
from .cases import plan_case_clocks, plan_ladder
from .config import ClocksConfig
from .errors import InvalidAction
from .labels import record_label
from .ladder import REVIEW_STEPS
from .models import Case, Clock, ClockStep

logger = logging.getLogger(__name__)

__all__ = ["confirm_review", "dismiss_review", "promote_reviews_for_judged", "REVIEW_STATUS", "PROVISIONAL",
           "SYSTEM_ACTOR"]

REVIEW_STATUS = "review"
SYSTEM_ACTOR = "system"
PROVISIONAL = "provisional"
_STEP = ClockStep.__table__
_SEVERITY_LABEL = {"major_emergency": "特别重大、重大突发事件", "general": "一般重点舆情"}


def _in_review(case: Case) -> None:
    if case.status != REVIEW_STATUS:
        raise InvalidAction(f"案件 {case.id} 不在待研判队列中，不能再确认或排除")


def _provisional(session: Session, case: Case) -> list[Clock]:
    return list(session.exec(select(Clock).where(Clock.case_id == case.id, Clock.status == PROVISIONAL)
                             .order_by(Clock.due_at, Clock.id)))


def _cancel_review_steps(session: Session, case: Case, reason: str, *, every_step: bool = False) -> int:
    where = [_STEP.c.case_id == case.id, _STEP.c.status == "pending"]
    if not every_step:
        where.append(_STEP.c.step.in_(REVIEW_STEPS))
    return session.execute(update(_STEP).where(*where).values(status="cancelled", note=reason)).rowcount


def confirm_review(session: Session, now: datetime, *, case_id, actor: str, config: ClocksConfig,
                   severity: str | None = None, especially_major: bool | None = None, reason: str = "",
                   criteria: tuple[str, ...] | None = None) -> Case:
    """Confirm a 待研判 case as a priority opinion (optionally with another severity); see the module docstring."""
    case = _case(session, case_id)
    _in_review(case)
    actor = _text(actor, "操作人")
    severity = severity or case.severity
    if severity not in SEVERITIES:
        raise InvalidAction(f"未知的事件级别：{severity}（可选：{'、'.join(SEVERITIES)}）")
    provisional = _provisional(session, case)
    start = min((c.started_at for c in provisional), default=case.opened_at)
    old_severity = case.severity
    _cancel_review_steps(session, case, f"已确认为重点舆情（{actor}）")
    trace = list((case.responsible or {}).get("trace") or [])
    who = "系统重新研判为重点舆情" if actor == SYSTEM_ACTOR else f"人工确认为重点舆情（{actor}）"
    since = start.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
    if severity == old_severity and provisional:
        for c in provisional:
            c.status = "running"
            session.add(c)
        session.flush()
        plan_ladder(session, now, case_id=case.id, clocks=provisional, config=config)
        trace.append(f"{who}：沿用暂定计时，起点 {since}，不重新计时")
    else:
        for c in provisional:
            c.status, c.stopped_at = "replaced", now
            c.reason = f"确认为重点舆情时定级为{_SEVERITY_LABEL[severity]}"
            session.add(c)
        case.severity = severity
        planned = plan_case_clocks(session, now, case=case, started_at=start, config=config, severity=severity,
                                   with_opened=True)
        trace.append(f"{who}，定级为{_SEVERITY_LABEL[severity]}：自原起点 {since} 计时，" + "、".join(
            f"{_KIND_LABEL.get(c.kind, c.kind)}时限 {c.due_at.astimezone(SHANGHAI).strftime('%m-%d %H:%M')}"
            for c in planned))
    if especially_major is not None:
        case.especially_major = especially_major
    if criteria:                 # the categories the judge found once it was sure (promote_reviews_for_judged)
        case.criteria = list(criteria)
    case.status = "open"
    case.responsible = {**(case.responsible or {}), "trace": trace}
    session.add(case)
    session.flush()
    _audit(session, now, case, actor, "confirm_review", old_severity=old_severity, severity=severity,
           especially_major=case.especially_major, reason=reason or None, start=start.isoformat())
    record_label(session, now, case=case, actor=actor, decision="confirm", priority=True, reason=reason,
                 severity=severity, localities=list(case.localities or []), sectors=list(case.sectors or []))
    case_id = case.id
    session.commit()
    logger.info("review case %s confirmed by %s (%s -> %s)", case_id, actor, old_severity, severity)
    return case


def dismiss_review(session: Session, now: datetime, *, case_id, reason: str, actor: str) -> Case:
    """Dismiss a 待研判 case as not a priority opinion (reason required): its clocks stop, nobody is told."""
    case = _case(session, case_id)
    _in_review(case)
    reason = _text(reason, "排除理由")
    actor = _text(actor, "操作人")
    stopped = _provisional(session, case)
    for c in stopped:
        c.status, c.stopped_at, c.reason = "stopped", now, f"排除（非重点舆情）：{reason}"
        session.add(c)
    session.flush()
    _cancel_review_steps(session, case, f"已排除（非重点舆情）：{reason}", every_step=True)
    case.status, case.closed_at, case.dismissed_reason = "dismissed", now, reason
    session.add(case)
    _audit(session, now, case, actor, "dismiss_review", reason=reason, stopped_clocks=[c.id for c in stopped])
    record_label(session, now, case=case, actor=actor, decision="dismiss", priority=False, reason=reason)
    case_id = case.id
    session.commit()
    logger.info("review case %s dismissed by %s", case_id, actor)
    return case


def promote_reviews_for_judged(session: Session, now: datetime, judged: dict, *, config: ClocksConfig) -> list[Case]:
    """Confirm the 待研判 cases of events now judged a priority (`judged`: event id -> Assessment); return them.

    One query for the cases; each confirmation commits (`confirm_review` does).
    """
    sure = {event_id: a for event_id, a in judged.items() if a.priority and a.severity is not None}
    if not sure:
        return []
    rows = session.exec(select(Case.id, Case.event_id).where(Case.event_id.in_(list(sure)),
                                                            Case.status == REVIEW_STATUS).order_by(Case.id)).all()
    promoted = []
    for case_id, event_id in rows:
        a = sure[event_id]
        promoted.append(confirm_review(session, now, case_id=case_id, actor=SYSTEM_ACTOR, config=config,
                                       severity=a.severity, especially_major=a.especially_major or None,
                                       reason="重新研判为重点舆情", criteria=tuple(a.criteria)))
    return promoted
