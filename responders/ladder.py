"""The escalation ladder: which steps a clock gets, when, and who each step tells (RULES.md 5.6, 6).

Steps of one clock (defaults; `[clocks.ladder]` changes them):

| step      | when                                   | who                                                        |
|-----------|----------------------------------------|------------------------------------------------------------|
| opened    | when the case opens (first clock only) | first body's 联络人 + 承办人, the on-duty officer           |
| reminder  | at 50 % of the span                    | the same                                                   |
| leader    | 1 h / 4 h / 8 h before a 5/24/48 h due | body head (负责人) + the sector's 分管负责同志, the officer    |
| overdue   | at the deadline                        | coordination office (办公厅（室）), 主要负责同志 if especially major (A-8), the officer |
| follow_up | every `follow_up_every` after the first response, until closed (T-5) | 联络人 + 承办人 |

A 待研判 (review) case's provisional clocks get the review ladder instead
(`plan_review_steps`): `review_alert` at the opening when the provisional
severity is a major emergency, and `review_reminder` at the leader step's
position of its nearest clock (before the provisional deadline); both tell the
on-duty officer only, whatever `[clocks.ladder] recipients` says, and never
repeat. The full ladder is planned when the officer confirms the case.

Officer actions add one-off notice steps (`confirmed`, `reassigned`, `regraded`,
`closed`, `dismissed`) due at once; they never repeat.

A fired step repeats every `repeat[step]` until acknowledged or until the
clock's next step fires (the next step re-tells a wider circle, so repeating
the old one is noise). Recipients are resolved when a step *fires*, not when it
is planned: the on-duty officer is the one on the rota at that moment, and a
reassigned case tells its new owner.

Why steps already in the past at opening are skipped (all but the latest): a
case opened late (the start rule counts from first sight) would otherwise send
the 50 % reminder, the leader escalation and the overdue notice in one burst;
the latest one carries the state that matters. Steps that fall due while the
daemon is down are different: they all fire on restart, marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.timestamps import SHANGHAI

from .clockplan import PlannedClock, clock_position
from .config import ClocksConfig
from .directory import Directory, Person

__all__ = ["PlannedStep", "plan_steps", "plan_review_steps", "Recipients", "EVENT_KIND", "NOTICE_STEPS", "REVIEW_STEPS",
           "person_record"]

# ClockStep.step -> ClockEvent.kind (the alerts package reads the latter).
EVENT_KIND = {"opened": "opened", "reminder": "reminder", "leader": "leader", "overdue": "overdue", "follow_up": "reminder",
              "confirmed": "confirmed", "reassigned": "reassigned", "regraded": "other", "closed": "other",
              "dismissed": "other", "review_alert": "other", "review_reminder": "other"}
# One-off notices of an officer's action: fired by the loop like any step (so recipients are
# resolved from the directory at fire time), whatever the state of the case and its clocks.
NOTICE_STEPS = ("confirmed", "reassigned", "regraded", "closed", "dismissed")
_ORDER = ("opened", "reminder", "leader", "overdue")
# The steps of a 待研判 case's provisional clocks: the on-duty officer only (issue 14).
REVIEW_STEPS = ("review_alert", "review_reminder")
REVIEW_ALERT_NOTE = ("待研判：疑似特别重大、重大突发事件，请值班员立即研判，确认为重点舆情或排除（非重点舆情）。"
                     "暂定时限自首次监测发现时起算，确认后不重新计时。")
REVIEW_REMINDER_NOTE = "待研判事项临近暂定回应时限，请值班员尽快研判：确认为重点舆情或排除（非重点舆情）。"


@dataclass(frozen=True)
class PlannedStep:
    step: str
    due_at: datetime
    repeat_seconds: int | None
    status: str = "pending"            # pending | skipped
    note: str | None = None


def _repeat(config: ClocksConfig, step: str) -> int | None:
    value = config.ladder.repeat.get(step)
    return int(value.total_seconds()) if value else None


def plan_steps(clock: PlannedClock, config: ClocksConfig, *, opened_at: datetime, with_opened: bool) -> list[PlannedStep]:
    """Return the ladder of `clock`, in time order.

    1. `opened` at the opening (only on the case's first clock: one opening notice per case);
    2. `reminder` at `reminder_at` of the span, `leader` at `leader_before` the deadline,
       `overdue` at the deadline, all positioned with the clock's calendar; a reminder
       that would not come before the leader step is dropped;
    3. of the steps already due at `opened_at` (except `opened`), only the latest stays
       pending, moved to `opened_at` so it fires right after the opening notice; the
       others are planned `skipped` with a note.
    """
    ladder = config.ladder
    span = timedelta(hours=clock.hours)
    planned: list[tuple[str, datetime]] = []
    if with_opened:
        planned.append(("opened", opened_at))
    reminder_at = clock_position(clock.started_at, span * ladder.reminder_at, config)
    before = ladder.leader_before.get(clock.kind)
    leader_at = clock_position(clock.started_at, span - before, config) if before else None
    if leader_at is None or reminder_at < leader_at:
        planned.append(("reminder", reminder_at))
    if leader_at is not None:
        planned.append(("leader", leader_at))
    planned.append(("overdue", clock.due_at))

    passed = [name for name, at in planned if name != "opened" and at <= opened_at]
    latest_passed = passed[-1] if passed else None
    out = []
    for name, at in planned:
        if name in passed and name != latest_passed:
            out.append(PlannedStep(name, at, _repeat(config, name), "skipped", "立案时该提醒时点已过，由更高一级提醒代替"))
        elif name == latest_passed:
            # Due at the opening, so it follows the opening notice instead of preceding it.
            out.append(PlannedStep(name, opened_at, _repeat(config, name), note=f"立案时已过原定时点 {at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间），立即发出"))
        else:
            out.append(PlannedStep(name, at, _repeat(config, name)))
    return out


def plan_review_steps(clocks: list[PlannedClock], config: ClocksConfig, *,
                      opened_at: datetime) -> list[tuple[int, PlannedStep]]:
    """Return (index into `clocks`, step) of a 待研判 case's provisional clocks (`clocks` sorted by deadline).

    1. a would-be major emergency (its clocks include the 5 h `first_release`) gets
       `review_alert` at the opening;
    2. the nearest clock gets `review_reminder` at its leader step's position
       (`leader_before` its deadline; 80 % of the span when none is set), moved to
       the opening when that has passed, and left out when the alert already fires
       then (one message, not two).
    """
    if not clocks:
        return []
    out: list[tuple[int, PlannedStep]] = []
    major = any(c.kind == "first_release" for c in clocks)
    if major:
        out.append((0, PlannedStep("review_alert", opened_at, None, note=REVIEW_ALERT_NOTE)))
    first = clocks[0]
    span = timedelta(hours=first.hours)
    before = config.ladder.leader_before.get(first.kind)
    at = clock_position(first.started_at, span - before if before else span * 0.8, config)
    if at > opened_at or not major:
        out.append((0, PlannedStep("review_reminder", max(at, opened_at), None, note=REVIEW_REMINDER_NOTE)))
    return out


def person_record(person: Person) -> dict[str, Any]:
    """Return the ClockEvent recipient record of `person` (the alerts package reads it)."""
    return {
        "name": person.name, "role": person.role, "locality": person.locality,
        "body": list(person.body) if person.body else None,
        "email": person.email, "mobile": person.mobile, "wecom": person.wecom,
        "dingtalk": person.dingtalk, "feishu": person.feishu,
    }


class Recipients:
    """Resolve ladder roles to people of the directory, at a given instant.

    Built once per firing batch: the officer index scans the directory once.
    """

    def __init__(self, directory: Directory, config: ClocksConfig):
        self.directory = directory
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self._officers: dict[str, Person] = {}
        self._cache: dict[tuple, list[dict[str, Any]]] = {}
        for people in directory.people_by_locality.values():
            for p in people:
                if p.role == "officer":
                    self._officers.setdefault(p.name, p)

    def clear(self) -> None:
        """Forget the resolutions of the previous batch (the rota and the cases move on)."""
        self._cache.clear()

    def on_duty(self, at: datetime) -> list[Person]:
        """Return the officers on the rota at `at` (local time of `clocks.timezone`); overnight shifts wrap."""
        local = at.astimezone(self.zone)
        weekday, minute = local.weekday(), local.hour * 60 + local.minute
        out = []
        for shift in self.directory.rota:
            start = shift.start.hour * 60 + shift.start.minute
            end = shift.end_minutes
            if end > start:
                covers = weekday in shift.weekdays and start <= minute < end
            else:
                covers = (weekday in shift.weekdays and minute >= start) or \
                         ((weekday - 1) % 7 in shift.weekdays and minute < end)
            person = self._officers.get(shift.officer)
            if covers and person is not None and person not in out:
                out.append(person)
        return out

    def for_step(self, step: str, *, responsible: dict, especially_major: bool, at: datetime) -> list[dict[str, Any]]:
        """Return the recipient records of `step` for a case with this `responsible` record.

        Always at least the on-duty officer: a case without a first body (needs_triage)
        still reaches someone who can act.
        """
        roles = ["officer"] if step in REVIEW_STEPS else self.config.ladder.recipients.get(step, ["officer"])
        # A firing batch resolves many steps at one instant, often for the same bodies: resolve each
        # (step, bodies, especially major) once per batch.
        key = (step, bool(especially_major), at, _bodies_key(responsible))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.for_roles(roles, responsible=responsible, especially_major=especially_major, at=at)
        return found

    def for_roles(self, roles, *, responsible: dict, especially_major: bool, at: datetime) -> list[dict[str, Any]]:
        d = self.directory
        bodies = [_key(b) for b in (responsible.get("first") or [])]
        lead = responsible.get("lead")
        if lead:
            bodies.insert(0, _key(lead))
        bodies = list(dict.fromkeys(k for k in bodies if k))
        people: list[Person] = []
        for role in roles:
            if role in ("liaison", "handler", "head", "spokesperson"):
                for key in bodies:
                    people += d.people(key, role)
            elif role == "deputy":
                for locality, sector in bodies:
                    deputy = d.deputy_for(locality, sector)
                    if deputy:
                        people.append(deputy)
            elif role == "coordination":
                coordinators = [_key(b) for b in (responsible.get("coordinators") or [])]
                coordinators = [k for k in coordinators if k and k[1] == "government_office"] or \
                    [(loc, "government_office") for loc, _ in bodies[:1]] or [(d.jurisdiction, "government_office")]
                for key in coordinators:
                    people += d.people(key, "head") + d.people(key, "liaison")
            elif role == "principal":
                if especially_major:
                    for locality in dict.fromkeys(loc for loc, _ in bodies or [(d.jurisdiction, "")]):
                        principal = d.principal(locality)
                        if principal:
                            people.append(principal)
            elif role == "officer":
                people += self.on_duty(at)
        if not people:
            people = self.on_duty(at)
        seen, out = set(), []
        for p in people:
            ident = (p.name, p.locality, p.role, p.body)
            if ident not in seen:
                seen.add(ident)
                out.append(person_record(p))
        return out


def _bodies_key(responsible: dict) -> tuple:
    def keys(records):
        return tuple(_key(b) for b in records or () if isinstance(b, dict))
    first = responsible.get("first")
    if first is not None and not isinstance(first, list):
        raise ValueError(f"responsible.first is not a list: {first!r}")
    lead = responsible.get("lead")
    return (keys(first), _key(lead) if isinstance(lead, dict) else None, keys(responsible.get("coordinators")),
            len(first or ()))


def _key(body: dict | None) -> tuple[str, str] | None:
    if not body or not body.get("locality"):
        return None
    return (body["locality"], body.get("sector") or body.get("role") or "")
