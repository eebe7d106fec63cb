"""Compute the 通报 for a period: pure reads over the responders' and monitor's rows.

`build_report(session, period, now=..., locality_subtree=...)` returns a `Report`
with the period's figures and the previous period's beside them. Nothing is
written. Clock attribution and period membership follow `history` (decision
instant; holder at that instant). Drill cases are never counted.

Cases, clocks, steps and responses are read as rows of the named columns
(`history.CASE_COLUMNS`, `_CLOCK_COLUMNS`): attribute access like the table
classes they are annotated with, without building ORM instances.

Statistics: the median is the usual one (mean of the two middle values); the
90th percentile is the nearest-rank value (the ⌈0.9·n⌉-th smallest), so every
figure is a time that actually occurred and can be checked by hand.
"""

from __future__ import annotations

import math
from bisect import bisect_left
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from monitor.models import Source, SourceNotice

from ..models import AuditEntry, Case, Clock, ClockStep, Response
from .config import InterviewRule
from .figures import (
    AckStats, Body, BodyStats, ClockStats, Figures, InterviewCandidate, LocalityStats, OverdueClock, Referral, Report,
    SourceOutage,
)
from .history import CASE_COLUMNS, REFERRAL_ACTIONS, Holders, Outcome, clock_outcome, first_responses, load_cases
from .indicators import compute_indicators
from .periods import Period

__all__ = ["build_report", "CLOCK_KINDS", "percentile", "median"]

CLOCK_KINDS = ("first_release", "press_conference", "response")
ESCALATION_STEPS = ("leader", "overdue")
_CLOCK_COLUMNS = (Clock.id, Clock.case_id, Clock.kind, Clock.started_at, Clock.due_at, Clock.status, Clock.stopped_at)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Return the nearest-rank p-th percentile (p in (0, 100]) of `values`, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1], 2)


def _rate(met: int, decided: int) -> float | None:
    return round(met / decided, 4) if decided else None


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


class _Scope:
    """The locality subtree of a report: a body or case belongs when its locality starts with the root."""

    def __init__(self, root: str | None):
        self.root = root or None

    def place(self, locality: str | None) -> bool:
        return self.root is None or bool(locality and locality.startswith(self.root))

    def body(self, body: Body) -> bool:
        return self.place(body.locality)

    def case(self, case: Case, holders: Holders) -> bool:
        if self.root is None:
            return True
        return any(self.place(loc) for loc in case.localities or []) or any(self.body(b) for b in holders.ever(case.id))


@dataclass
class _Decided:
    clock: Clock
    case: Case
    outcome: Outcome
    bodies: tuple[Body, ...]


@dataclass
class _Window:
    """The rows of one interval, filtered to the scope, with holders resolved."""

    start: datetime
    end: datetime
    opened: list[tuple[Case, tuple[Body, ...]]] = field(default_factory=list)
    decided: list[_Decided] = field(default_factory=list)
    carried: list[Clock] = field(default_factory=list)
    unacknowledged: list[tuple[ClockStep, tuple[Body, ...]]] = field(default_factory=list)
    referrals: list[tuple[AuditEntry, Case]] = field(default_factory=list)
    responses: list[tuple[Response, Case]] = field(default_factory=list)
    first_response_at: dict[int, datetime] = field(default_factory=dict)
    holders: Holders | None = None

    def inside(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


def _collect(session: Session, start: datetime, end: datetime, *, now: datetime, scope: _Scope,
             drills: bool = False) -> _Window:
    """Read every row of [start, end) the figures need (one query per table, cases by id)."""
    w = _Window(start, end)
    opened = list(session.exec(select(*CASE_COLUMNS).where(Case.opened_at >= start, Case.opened_at < end)))
    clocks = list(session.exec(select(*_CLOCK_COLUMNS).where(
        Clock.status.not_in(("replaced", "provisional")),     # a 待研判 case's clocks are no duty yet (issue 14)
        or_(and_(Clock.due_at >= start, Clock.due_at < end),
            and_(Clock.stopped_at >= start, Clock.stopped_at < end),
            and_(Clock.started_at < end, Clock.due_at >= end)))))
    steps = list(session.exec(select(ClockStep.id, ClockStep.case_id, ClockStep.step, ClockStep.fired_at).where(
        ClockStep.step.in_(ESCALATION_STEPS), ClockStep.status == "fired",
        ClockStep.fired_at >= start, ClockStep.fired_at < end, ClockStep.acknowledged_at.is_(None))))
    referrals = list(session.exec(select(AuditEntry).where(
        AuditEntry.action.in_(REFERRAL_ACTIONS), AuditEntry.at >= start, AuditEntry.at < end)))
    responses = list(session.exec(select(Response.id, Response.case_id, Response.clock_kind, Response.mode, Response.at)
                                  .where(Response.at >= start, Response.at < end)))

    ids = {c.id for c in opened} | {c.case_id for c in clocks} | {s.case_id for s in steps} \
        | {a.case_id for a in referrals if a.case_id is not None} | {r.case_id for r in responses}
    cases, holders = load_cases(session, ids, known=opened, drills=drills)
    w.holders = holders
    in_scope = {cid for cid, case in cases.items() if scope.case(case, holders)}
    answers = first_responses(session, {c.case_id for c in clocks if c.case_id in in_scope}
                              | {r.case_id for r in responses if r.case_id in in_scope})

    for case in opened:
        if case.id in in_scope and case.status != "review":     # 待研判: not (yet) a priority opinion
            w.opened.append((case, holders.at(case.id, case.opened_at)))
    for clock in clocks:
        if clock.case_id not in in_scope:
            continue
        if cases[clock.case_id].status in ("dismissed", "merged"):
            continue    # not a priority opinion after all, or counted in the case it joined: no duty of its own
        times = [t for t in answers.get((clock.case_id, clock.kind), []) if t >= clock.started_at]
        outcome = clock_outcome(clock, now=now, first_response=times[0] if times else None)
        if outcome.state in ("met", "overdue") and w.inside(outcome.decided_at):
            w.decided.append(_Decided(clock, cases[clock.case_id], outcome, holders.at(clock.case_id, outcome.decided_at)))
        elif clock.started_at < end <= clock.due_at and not (clock.stopped_at and clock.stopped_at < end):
            w.carried.append(clock)
    for step in steps:
        if step.case_id in in_scope:
            w.unacknowledged.append((step, holders.at(step.case_id, step.fired_at)))
    for entry in referrals:
        if entry.case_id in in_scope:
            w.referrals.append((entry, cases[entry.case_id]))
    for response in responses:
        if response.case_id in in_scope:
            w.responses.append((response, cases[response.case_id]))
    for (case_id, _kind), times in answers.items():
        if times and (case_id not in w.first_response_at or times[0] < w.first_response_at[case_id]):
            w.first_response_at[case_id] = times[0]
    return w


def _clock_stats(kind: str, decided: list[_Decided], carried: list[Clock]) -> ClockStats:
    met = sum(1 for d in decided if d.outcome.state == "met")
    hours = sorted(_hours(d.outcome.responded_at - d.clock.started_at) for d in decided if d.outcome.responded_at)
    return ClockStats(
        kind=kind, decided=len(decided), met=met, overdue=len(decided) - met, carried=len(carried),
        on_time_rate=_rate(met, len(decided)), median_hours=median(hours), p90_hours=percentile(hours, 90),
        response_hours=tuple(hours),
    )


def _figures(session: Session, period: Period, w: _Window, *, now: datetime, scope: _Scope) -> Figures:
    merged = [c for c, _ in w.opened if c.status == "merged"]     # the story is counted once, in its target
    live = [(c, b) for c, b in w.opened if c.status not in ("dismissed", "merged")]
    criteria = Counter(x for c, _ in live for x in c.criteria or [])
    severity = Counter(c.severity for c, _ in live)
    sectors = Counter(x for c, _ in live for x in c.sectors or [])

    clocks = [_clock_stats(k, [d for d in w.decided if d.clock.kind == k], [c for c in w.carried if c.kind == k])
              for k in CLOCK_KINDS]
    clocks.append(_clock_stats("all", w.decided, w.carried))

    acks = sorted(round((c.acknowledged_at - c.opened_at).total_seconds() / 60, 2)
                  for c, _ in live if c.acknowledged_at is not None and c.acknowledged_at <= now)
    ack = AckStats(cases=len(live), acknowledged=len(acks), unacknowledged=len(live) - len(acks),
                   median_minutes=median(acks), p90_minutes=percentile(acks, 90))

    body_cases: dict[Body, set[int]] = {}
    body_clocks: dict[Body, list[_Decided]] = {}
    body_unack: Counter[Body] = Counter()
    for case, bodies in live:
        for b in bodies:
            body_cases.setdefault(b, set()).add(case.id)
    for d in w.decided:
        for b in d.bodies:
            body_clocks.setdefault(b, []).append(d)
    for _step, bodies in w.unacknowledged:
        for b in bodies:
            body_unack[b] += 1
    rows = []
    for b in sorted((set(body_cases) | set(body_clocks) | set(body_unack))):
        if not scope.body(b):
            continue
        ds = body_clocks.get(b, [])
        met = sum(1 for d in ds if d.outcome.state == "met")
        rows.append(BodyStats(b, cases=len(body_cases.get(b, ())), decided=len(ds), met=met, overdue=len(ds) - met,
                              unacknowledged=body_unack[b], on_time_rate=_rate(met, len(ds))))

    loc_cases: dict[str, set[int]] = {}
    loc_clocks: dict[str, dict[int, str]] = {}
    for case, bodies in live:
        for b in bodies:
            if scope.body(b):
                loc_cases.setdefault(b.locality, set()).add(case.id)
    for d in w.decided:
        for b in d.bodies:
            if scope.body(b):
                loc_clocks.setdefault(b.locality, {})[d.clock.id] = d.outcome.state
    localities = []
    for loc in sorted(set(loc_cases) | set(loc_clocks)):
        states = list(loc_clocks.get(loc, {}).values())
        met = states.count("met")
        localities.append(LocalityStats(loc, cases=len(loc_cases.get(loc, ())), decided=len(states), met=met,
                                        overdue=len(states) - met, on_time_rate=_rate(met, len(states))))

    def unit_at(case_id: int, at: datetime) -> Body | None:
        bodies = w.holders.at(case_id, at)
        return bodies[0] if bodies and scope.body(bodies[0]) else None

    indicators, by_unit = compute_indicators(w.responses, first_response_at=w.first_response_at,
                                             unit_at=unit_at, in_period=w.inside)
    opened_at = sorted(c.opened_at for c, _ in live)
    over_time = tuple((label, bisect_left(opened_at, e) - bisect_left(opened_at, s)) for label, s, e in period.buckets())
    return Figures(
        period=period, cases_opened=len(live), dismissed=len(w.opened) - len(live) - len(merged),
        by_criterion=dict(sorted(criteria.items())), by_severity=dict(sorted(severity.items())),
        by_sector=dict(sorted(sectors.items())), clocks=tuple(clocks), acknowledgement=ack,
        rumour_referrals=len(w.referrals), sources_down=len({n.source_id for n in _outage_notices(session, w)}),
        bodies=tuple(rows), localities=tuple(localities), indicators=indicators, indicators_by_unit=by_unit,
        cases_over_time=over_time,
    )


def _outage_notices(session: Session, w: _Window) -> list[SourceNotice]:
    return list(session.exec(select(SourceNotice).where(
        SourceNotice.kind.in_(("down", "silent")), SourceNotice.created_at >= w.start, SourceNotice.created_at < w.end)
        .order_by(SourceNotice.created_at, SourceNotice.id)))


def _outages(session: Session, w: _Window) -> tuple[SourceOutage, ...]:
    notices = _outage_notices(session, w)
    if not notices:
        return ()
    ids = {n.source_id for n in notices}
    names = {s.id: s.name for s in session.exec(select(Source).where(Source.id.in_(ids)))}
    recoveries: dict[int, list[datetime]] = {}
    for n in session.exec(select(SourceNotice).where(SourceNotice.source_id.in_(ids), SourceNotice.kind == "recovered",
                                                     SourceNotice.created_at >= w.start)):
        recoveries.setdefault(n.source_id, []).append(n.created_at)
    out = []
    for n in notices:
        after = sorted(t for t in recoveries.get(n.source_id, []) if t >= n.created_at)
        out.append(SourceOutage(names.get(n.source_id, f"#{n.source_id}"), n.kind, n.created_at,
                                after[0] if after else None, n.detail or ""))
    return tuple(out)


def _title(case) -> str:
    """Return a case's title as a report lists it: a drill case marked 【演练】 (reports that include drills)."""
    return f"【演练】{case.title}" if case.drill else case.title


def _overdue_list(w: _Window, *, now: datetime, scope: _Scope) -> tuple[OverdueClock, ...]:
    rows = []
    for d in w.decided:
        if d.outcome.state != "overdue":
            continue
        until = d.outcome.responded_at or now
        rows.append(OverdueClock(d.case.id, _title(d.case), d.clock.kind, tuple(b for b in d.bodies if scope.body(b)) or d.bodies,
                                 d.clock.started_at, d.clock.due_at, d.outcome.responded_at, _hours(until - d.clock.due_at)))
    return tuple(sorted(rows, key=lambda r: (-r.late_hours, r.case_id, r.kind)))


def _referrals(w: _Window) -> tuple[Referral, ...]:
    def strings(value) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value or [])

    return tuple(
        Referral(case.id, _title(case), entry.at, entry.actor,
                 strings(entry.detail.get("to") or entry.detail.get("recipients")),
                 strings(entry.detail.get("evidence") or entry.detail.get("links")))
        for entry, case in sorted(w.referrals, key=lambda ec: (ec[0].at, ec[0].id or 0)))


def _interview(w: _Window, rule: InterviewRule, scope: _Scope) -> tuple[InterviewCandidate, ...]:
    overdue: Counter[Body] = Counter()
    unack: Counter[Body] = Counter()
    for d in w.decided:
        if d.outcome.state == "overdue":
            for b in d.bodies:
                overdue[b] += 1
    for _step, bodies in w.unacknowledged:
        for b in bodies:
            unack[b] += 1
    out = []
    for b in sorted(set(overdue) | set(unack)):
        reasons = []
        if overdue[b] >= rule.overdue:
            reasons.append(f"超时{overdue[b]}次（≥{rule.overdue}）")
        if unack[b] >= rule.unacknowledged:
            reasons.append(f"升级提醒未确认{unack[b]}次（≥{rule.unacknowledged}）")
        if reasons and scope.body(b):
            out.append(InterviewCandidate(b, overdue[b], unack[b], tuple(reasons)))
    return tuple(sorted(out, key=lambda c: (-c.overdue, -c.unacknowledged, c.body)))


def build_report(session: Session, period: Period, *, now: datetime, locality_subtree: str | None = None,
                 rule: InterviewRule | None = None, drills: bool = False) -> Report:
    """Return the 通报 of `period` as known at `now`, limited to `locality_subtree` (a full locality path).

    A case is in scope when one of its localities or one of the bodies that ever
    held it lies in the subtree; per-body and per-locality rows list only bodies
    inside it. 约谈 candidates are counted over the period, or over `rule.window`
    ending with the period when set. `drills`: drill cases are counted too (never by
    default); the report then says so in its title and notes, and lists them as 【演练】.
    """
    rule = rule or InterviewRule()
    scope = _Scope(locality_subtree)
    current = _collect(session, period.start, period.end, now=now, scope=scope, drills=drills)
    prev_period = period.previous()
    previous = _collect(session, prev_period.start, prev_period.end, now=now, scope=scope, drills=drills)
    if rule.window is not None:
        window = _collect(session, period.end - rule.window, period.end, now=now, scope=scope, drills=drills)
        span = f"截至本期末{_span(rule.window)}内"
    else:
        window, span = current, "本期内"
    notes = []
    if drills:
        notes.append("【演练】本通报包含演练案件（标为【演练】），仅供演练和熟悉通报格式，不作为正式通报。")
    if now < period.end:
        notes.append("本期尚未结束，数据截至生成时间。")
    title = f"{'【演练】' if drills else ''}{locality_subtree or ''}政务舆情回应情况通报 {period.label}"
    return Report(
        title=title, generated_at=now, locality=locality_subtree,
        current=_figures(session, period, current, now=now, scope=scope),
        previous=_figures(session, prev_period, previous, now=now, scope=scope),
        overdue=_overdue_list(current, now=now, scope=scope),
        interview=_interview(window, rule, scope),
        interview_rule=f"{span}超时≥{rule.overdue}次，或升级提醒未确认≥{rule.unacknowledged}次（国办发〔2016〕61号 五）",
        referrals=_referrals(current), outages=_outages(session, current), notes=tuple(notes),
    )


def _span(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:g}天" if days >= 1 else f"{delta.total_seconds() / 3600:g}小时"
