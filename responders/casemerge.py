"""Merge and split cases: one story, one case (issue 15.8), decided by a supervisor and audited.

Incident merging (monitor.incidents) joins a new report into an older incident
only while it has no case; two cases of one story, or one case holding two
stories, are an officer's call. Both actions write an `AuditEntry` on every case
they touch (actor, time, reason) and commit.

Merge (`merge_cases`): the other cases' items move to the target case's event
(the others' events keep their rows, `merged_into_id` set, as an automatic merge
leaves them); the target keeps the **earliest clock start** of all the cases
(its clocks are re-planned from it when one of the others started sooner, by the
re-grade rule of `actions.change_severity`: a deadline already past or within
`regrade_grace` moves to now + grace) and the higher severity; the other cases
end as `merged` (their clocks stopped, their pending steps cancelled) and are
counted in no report (the target counts the story once).

Split (`split_case`): the chosen items leave the case's event for a new event,
and a new case is opened for them with the original's judgement and assignment
(the officer then re-grades or reassigns it as needed); its clocks start by the
configured start rule from **its items' own times** (first seen, first
published), not from the split. The original keeps its clocks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from monitor.assessment import Assessment
from monitor.events import refresh_event_stats
from monitor.models import Event, Item
from monitor.timestamps import SHANGHAI

from .assignment import Assignment
from .cases import open_case, plan_case_clocks
from .clockplan import CLOCKS_FOR_SEVERITY
from .config import ClocksConfig
from .errors import CaseNotFound, InvalidAction
from .models import AuditEntry, Case, Clock, ClockStep

logger = logging.getLogger(__name__)

__all__ = ["merge_cases", "split_case", "absorb_reviews", "MERGED"]

MERGED = "merged"
REVIEW = "review"        # responders.review.REVIEW_STATUS (not imported: review imports this module's neighbours)
SYSTEM = "system"
_LIVE = ("running", "overdue", "provisional")     # provisional: a 待研判 case's clocks
_RANK = {"general": 0, "major_emergency": 1}


def _case(session: Session, case_id) -> Case:
    case = session.get(Case, int(case_id)) if str(case_id).isdigit() else None
    if case is None:
        raise CaseNotFound(case_id)
    return case


def _reason(reason: str | None, what: str) -> str:
    if reason is None or not str(reason).strip():
        raise InvalidAction(f"请填写{what}")
    return str(reason).strip()


def _audit(session: Session, now: datetime, case: Case, actor: str, action: str, **detail) -> None:
    session.add(AuditEntry(case_id=case.id, at=now, actor=actor, action=action, detail=detail))


def _clocks(session: Session, case_id: int) -> list[Clock]:
    return list(session.exec(select(Clock).where(Clock.case_id == case_id).order_by(Clock.due_at, Clock.id)))


def _stop(session: Session, now: datetime, case_id: int, *, status: str, reason: str, all_steps: bool) -> list[Clock]:
    """Stop the live clocks of a case; cancel their pending steps (all of the case's with `all_steps`)."""
    stopped = [c for c in _clocks(session, case_id) if c.status in _LIVE and c.stopped_at is None]
    for c in stopped:
        c.status, c.stopped_at, c.reason = status, now, reason
        session.add(c)
    session.flush()
    where = [ClockStep.case_id == case_id, ClockStep.status == "pending"]
    if not all_steps:
        where.append(ClockStep.clock_id.in_([c.id for c in stopped] or [-1]))
    session.execute(update(ClockStep).where(*where).values(status="cancelled", note=reason))
    return stopped


def merge_cases(session: Session, now: datetime, *, into_id, case_ids, reason: str, actor: str,
                config: ClocksConfig) -> Case:
    """Merge `case_ids` into the case `into_id` (see the module docstring); return the target case."""
    reason = _reason(reason, "合并理由")
    target = _case(session, into_id)
    others = [_case(session, i) for i in dict.fromkeys(case_ids) if str(i) != str(target.id)]
    if not others:
        raise InvalidAction("请指定要并入本案的其他案件编号")
    for case in [target, *others]:
        # A 待研判 case may join another (the clearer report of the same story); the target must be open.
        if case.status != "open" and not (case is not target and case.status == REVIEW):
            raise InvalidAction(f"案件 #{case.id} 已不在处理中，不能合并")
        if case.drill != target.drill:
            raise InvalidAction("演练案件与真实案件不能合并")
    all_clocks = {c.id: c for case in [target, *others] for c in _clocks(session, case.id)}
    start = min((c.started_at for c in all_clocks.values()), default=target.opened_at)
    own_start = min((c.started_at for c in all_clocks.values() if c.case_id == target.id), default=target.opened_at)

    # 1. the items: every other case's event joins the target's (a manual target takes the first event it gets)
    moved = 0
    for case in others:
        if case.event_id is None:
            continue
        source_event, case.event_id = case.event_id, None
        session.add(case)
        session.flush()
        if target.event_id is None:
            target.event_id = source_event
            session.add(target)
            continue
        moved += session.execute(update(Item).where(Item.event_id == source_event)
                                 .values(event_id=target.event_id)).rowcount
        session.execute(update(Event).where(Event.id == source_event).values(merged_into_id=target.event_id,
                                                                               needs_judgement=False))
    session.flush()
    if target.event_id is not None:
        refresh_event_stats(session, now, [target.event_id])
        # The story is judged already: the merged event is not judged again into a second case.
        session.execute(update(Event).where(Event.id == target.event_id).values(needs_judgement=False))

    # 2. the other cases end as merged
    for case in others:
        _stop(session, now, case.id, status="stopped", reason=f"并入案件 #{target.id}", all_steps=True)
        case.status, case.closed_at = MERGED, now
        case.dismissed_reason = f"并入案件 #{target.id}：{reason}"
        session.add(case)
        _audit(session, now, case, actor, "merged_into", into=target.id, reason=reason)

    # 3. the target: the higher severity, and the earliest start of all
    severity = max([target.severity, *(c.severity for c in others)], key=lambda s: _RANK.get(s, 0))
    target.especially_major = target.especially_major or any(c.especially_major for c in others)
    replanned: list[str] = []
    if severity != target.severity or start < own_start:
        met = {c.kind for c in all_clocks.values() if c.case_id == target.id and c.status in ("met", "overdue")
               and c.stopped_at is not None}
        # An opening notice not sent yet (a case opened a moment ago) must survive the re-planning.
        unsent_opening = session.exec(select(ClockStep.id).where(
            ClockStep.case_id == target.id, ClockStep.step == "opened", ClockStep.status == "pending")).first() is not None
        _stop(session, now, target.id, status="replaced", reason=f"合并案件：计时改自最早起点（{reason}）",
              all_steps=False)
        target.severity = severity
        kinds = tuple(k for k in CLOCKS_FOR_SEVERITY[severity] if k not in met)
        if kinds:
            planned = plan_case_clocks(session, now, case=target, started_at=start, config=config, severity=severity,
                                       with_opened=unsent_opening, kinds=kinds, min_due_at=now + config.regrade_grace)
            replanned = [c.kind for c in planned]
    local = start.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    trace = list((target.responsible or {}).get("trace") or [])
    who = "系统" if actor == SYSTEM else f"值班负责人{actor}"
    trace.append(f"{who}将案件{'、'.join(f'#{c.id}' for c in others)}并入本案（同一舆情），"
                 f"计时自最早起点 {local}（北京时间）起算；理由：{reason}")
    target.responsible = {**(target.responsible or {}), "trace": trace}
    session.add(target)
    _audit(session, now, target, actor, "merge_cases", merged=[c.id for c in others], reason=reason,
           start=start.isoformat(), start_local=local, items_moved=moved, replanned=replanned, severity=severity)
    target_id = target.id
    session.commit()
    logger.info("cases %s merged into %s by %s (start %s)", [c.id for c in others], target_id, actor, start.isoformat())
    return session.get(Case, target_id)


def split_case(session: Session, now: datetime, *, case_id, item_ids, reason: str, actor: str,
               config: ClocksConfig) -> Case:
    """Move `item_ids` of the case to a new event and open a new case for them; return the new case."""
    reason = _reason(reason, "拆分理由")
    case = _case(session, case_id)
    if case.status != "open":
        raise InvalidAction(f"案件 #{case.id} 已不在处理中，不能拆分")
    if case.event_id is None:
        raise InvalidAction("手工立案的案件没有抓取信息，无法拆分")
    items = list(session.exec(select(Item).where(Item.event_id == case.event_id).order_by(Item.id)))
    wanted = {int(i) for i in item_ids if str(i).isdigit()}
    chosen = [i for i in items if i.id in wanted]
    if not chosen:
        raise InvalidAction("请勾选要拆分出去的信息")
    if len(chosen) != len(wanted):
        raise InvalidAction("所选信息不属于本案")
    if len(chosen) == len(items):
        raise InvalidAction("不能把全部信息拆走：本案至少保留一条")
    seen = min(i.fetched_at for i in chosen)
    published = min((i.published_at for i in chosen if i.published_at), default=None)
    event = Event(title=chosen[0].title or chosen[0].text[:80] or "（无标题）", first_seen_at=seen,
                  first_published_at=published, last_seen_at=max(i.fetched_at for i in chosen), priority=True,
                  severity=case.severity, judged_at=now, needs_judgement=False)
    session.add(event)
    session.flush()
    session.execute(update(Item).where(Item.id.in_([i.id for i in chosen])).values(event_id=event.id))
    session.flush()
    refresh_event_stats(session, now, [event.id, case.event_id])
    session.execute(update(Event).where(Event.id.in_([event.id, case.event_id])).values(needs_judgement=False))
    assessment = Assessment(priority=True, criteria=tuple(case.criteria or ()), severity=case.severity,
                            especially_major=case.especially_major, localities=tuple(case.localities or ()),
                            sectors=tuple(case.sectors or ()), in_jurisdiction=True,
                            rationale=(f"由案件 #{case.id} 拆分（{actor}：{reason}），沿用原案研判",
                                       *(case.rationale or ())))
    record = dict(case.responsible or {})
    assignment = Assignment.from_record({"rule": case.rule or "needs_triage", **record})
    new = open_case(session, now, assessment=assessment, assignment=assignment, config=config, event=event,
                    title=event.title, opened_by=actor, drill=case.drill, known_new=True)
    _audit(session, now, case, actor, "split_case", new_case=new.id, items=[i.id for i in chosen], reason=reason)
    _audit(session, now, new, actor, "split_from", from_case=case.id, items=[i.id for i in chosen], reason=reason)
    new_id = new.id
    session.commit()
    logger.info("case %s split by %s: items %s -> case %s", case_id, actor, [i.id for i in chosen], new_id)
    return session.get(Case, new_id)


def absorb_reviews(session: Session, now: datetime, case_ids, *, config: ClocksConfig,
                   window: timedelta) -> list[Case]:
    """Merge the 待研判 cases of the same story into each newly opened priority case; return the targets merged into.

    A vague first report (a post asking whether something happened) often waits in the 待研判 queue when a
    clear report of the same incident arrives and opens a priority case: one story must stay one case. Same
    story: the two events' incident features (monitor.incidents) share a place (`same_place`) and a criterion,
    or the 待研判 lead names no kind of incident at all (a vague "是不是出事了" post: its category is what the
    clearer report settles); two events that both name kinds must share one; the 待研判 case is of the same
    drill flag, opened within `window` (the dedupe window). The
    priority case keeps the earliest clock start of both (`merge_cases`), so the time since the first report
    counts. Actor "system"; audited like any merge.
    """
    from monitor.incidents import IncidentFeatures, same_place

    targets = []
    reviews = session.exec(select(Case).where(Case.status == REVIEW, Case.event_id.is_not(None),
                                              Case.opened_at >= now - window)).all()
    if not reviews or not case_ids:
        return []
    review_features = []
    for case in reviews:
        event = session.get(Event, case.event_id)
        f = IncidentFeatures.from_json(event.incident) if event is not None and event.incident else None
        if f is not None:
            review_features.append((case, f))
    for case_id in case_ids:
        case = session.get(Case, case_id)
        if case is None or case.status != "open" or case.event_id is None:
            continue
        event = session.get(Event, case.event_id)
        f = IncidentFeatures.from_json(event.incident) if event is not None and event.incident else None
        if f is None:
            continue
        same = [r.id for r, g in review_features
                if r.drill == case.drill and r.id != case.id and same_place(f, g)
                and (set(f.criteria) & set(g.criteria) or not g.kinds)
                and (not f.kinds or not g.kinds or set(f.kinds) & set(g.kinds))]
        if same:
            merge_cases(session, now, into_id=case.id, case_ids=same, actor=SYSTEM, config=config,
                        reason="同一事件的后续报道已认定为重点舆情，先前的待研判线索并入本案")
            review_features = [(r, g) for r, g in review_features if r.id not in same]
            targets.append(session.get(Case, case.id))
    return targets
