"""Read the history a report needs: who held a case when, and how each clock ended.

Two decisions live here because every figure depends on them:

1. **Which period a clock belongs to.** A clock is judged once, in the period
   that holds its *decision instant*: the response time when it was met, the
   deadline when it was missed. A clock that starts on Sunday night and is met
   on Monday counts in Monday's week; one still running past the end of a
   period is "carried" and judged in the period where it ends. So no clock is
   counted twice, and none is counted before its outcome is known.
2. **Which body a clock is charged to.** The body holding the case at the
   decision instant. Reassignments are replayed from the audit log: each
   ``reassigned`` entry keeps the responsible record it replaced (``from``), so
   the holder at instant t is the ``from`` of the first reassignment after t, or
   the case's current record when none follows. A case reassigned mid-clock
   therefore charges an overdue deadline to the body that held it at the
   deadline, and counts as opened by the body that held it at opening.

The accountable bodies of a responsible record are its lead (牵头单位) when one
is set (RULES.md A-7: the lead is the clock owner of record), else its first
responsible bodies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, select

from ..models import AuditEntry, Case, Clock, Response
from .figures import Body

__all__ = [
    "REASSIGN_ACTIONS", "REFERRAL_ACTIONS", "CASE_COLUMNS", "accountable", "Holders", "Outcome", "clock_outcome",
    "load_cases", "first_responses",
]

# `responders.actions` writes the imperative names; the past-tense ones are accepted too.
REASSIGN_ACTIONS = ("reassign", "reassigned")
REFERRAL_ACTIONS = ("refer_rumor", "rumor_referred")
_FROM_KEYS = ("from", "old", "previous", "before")
_CHUNK = 500


def _body(record: Any) -> Body | None:
    if isinstance(record, dict) and record.get("name"):
        return Body(str(record["name"]), str(record.get("locality") or ""), record.get("sector") or record.get("role"))
    if isinstance(record, str) and record:
        return Body(record)
    return None


def accountable(record: Any) -> tuple[Body, ...]:
    """Return the lead when set, else the first responsible bodies, of a responsible record.

    Accepts a CONTRACT `responsible` record, a single body record or a list of them
    (the shapes a reassignment's ``from`` may take).
    """
    if isinstance(record, dict) and ("first" in record or "lead" in record):
        lead = _body(record.get("lead"))
        if lead is not None:
            return (lead,)
        return tuple(b for b in (_body(r) for r in record.get("first") or []) if b is not None)
    if isinstance(record, list):
        return tuple(b for b in (_body(r) for r in record) if b is not None)
    one = _body(record)
    return (one,) if one else ()


def _previous(detail: dict[str, Any]) -> tuple[Body, ...]:
    """Return the accountable bodies a reassignment replaced.

    `responders.actions.reassign` records ``old_first`` and the ``new`` record; the lead
    before the change is ``old_lead`` when recorded, else taken as unchanged (the new
    record's lead). ``from``/``old`` records of other writers are read too.
    """
    for key in _FROM_KEYS:
        if key in detail:
            return accountable(detail[key])
    if "old_first" in detail:
        new = detail.get("new") if isinstance(detail.get("new"), dict) else {}
        lead = detail["old_lead"] if "old_lead" in detail else new.get("lead")
        return accountable({"first": detail.get("old_first") or [], "lead": lead})
    return ()


class Holders:
    """Answer "which bodies held case c at instant t" by replaying reassignments."""

    def __init__(self, cases: dict[int, Any], reassignments: Iterable[AuditEntry]):
        self.cases = cases
        self._current: dict[int, tuple[Body, ...]] = {}
        self._changes: dict[int, list[tuple[datetime, tuple[Body, ...]]]] = {}
        for entry in reassignments:
            previous = _previous(entry.detail or {})
            if previous and entry.case_id is not None:
                self._changes.setdefault(entry.case_id, []).append((entry.at, previous))
        for changes in self._changes.values():
            changes.sort(key=lambda c: c[0])

    def at(self, case_id: int, when: datetime) -> tuple[Body, ...]:
        """Return the accountable bodies of the case at `when` (a reassignment at `when` has happened)."""
        for at, previous in self._changes.get(case_id, ()):
            if at > when:
                return previous
        current = self._current.get(case_id)
        if current is None:
            current = self._current[case_id] = accountable(self.cases[case_id].responsible)
        return current

    def ever(self, case_id: int) -> tuple[Body, ...]:
        """Return every body that held the case at some time."""
        seen = list(self.at(case_id, datetime.max.replace(tzinfo=timezone.utc)))
        for _, previous in self._changes.get(case_id, ()):
            seen.extend(b for b in previous if b not in seen)
        return tuple(seen)


# The columns a report reads. Why rows and not ORM instances: a month of a province is tens of
# thousands of cases; building instances (and decoding the unused JSON columns) was most of the time.
CASE_COLUMNS = (Case.id, Case.title, Case.status, Case.opened_at, Case.severity, Case.criteria, Case.localities,
                Case.sectors, Case.responsible, Case.acknowledged_at, Case.drill)


def load_cases(session: Session, ids: Iterable[int], known: Iterable[Any] = (), *,
               drills: bool = False) -> tuple[dict[int, Any], Holders]:
    """Return the non-drill cases of `ids` (rows of CASE_COLUMNS) and their holders.

    Drill cases are left out unless `drills` (a report asked for with its drill cases, marked 演练).
    `known` are case rows already read (not read again).
    """
    cases: dict[int, Any] = {c.id: c for c in known if drills or not c.drill}
    skip = {c.id for c in known}
    wanted = sorted(set(ids) - skip)
    entries: list[AuditEntry] = []
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        only_real = () if drills else (Case.drill == False,)  # noqa: E712
        for case in session.exec(select(*CASE_COLUMNS).where(Case.id.in_(chunk), *only_real)):
            cases[case.id] = case
    all_ids = sorted(cases)
    for i in range(0, len(all_ids), _CHUNK):
        entries.extend(session.exec(select(AuditEntry).where(
            AuditEntry.case_id.in_(all_ids[i:i + _CHUNK]), AuditEntry.action.in_(REASSIGN_ACTIONS))))
    return cases, Holders(cases, entries)


@dataclass(frozen=True)
class Outcome:
    """How a clock ended, as far as is known at the report's `now`.

    `state`: met | overdue | open (not decided yet) | void (replaced, or stopped before
    its deadline because the case was dismissed: neither on time nor late).
    """

    state: str
    decided_at: datetime | None
    responded_at: datetime | None


def clock_outcome(clock: Clock, *, now: datetime, first_response: datetime | None = None) -> Outcome:
    """Return the outcome of `clock` at `now`.

    The response time is `first_response` (the confirmed response's own time, `Response.at`),
    else the clock's stop: the web layer stops a clock when the response is *recorded*,
    which may be after the deadline for a response made in time.

    1. replaced -> void (the replacing clock is the one judged, RULES.md N-7);
    2. met -> met at the response time (the status was decided on `Response.at`), unless
       that time is after the deadline (then overdue, defensively);
    3. stopped (case closed) before the deadline -> void;
    4. overdue, stopped after the deadline, or running past it -> overdue at the deadline;
    5. running before the deadline -> open.
    """
    if clock.status == "replaced":
        return Outcome("void", None, None)
    stop = clock.stopped_at
    if first_response is not None and first_response > now:
        first_response = None
    responded = first_response or (stop if clock.status in ("met", "overdue") else None)
    if clock.status == "met" and (responded is None or responded <= clock.due_at):
        return Outcome("met", responded or clock.due_at, responded)
    if clock.status == "stopped" and (stop is None or stop <= clock.due_at):
        return Outcome("void", None, None)
    if clock.status in ("met", "overdue", "stopped") or clock.due_at <= now:
        return Outcome("overdue", clock.due_at, responded)
    return Outcome("open", None, None)


def first_responses(session: Session, case_ids: Iterable[int]) -> dict[tuple[int, str], list[datetime]]:
    """Return the confirmed response times per (case, clock kind), oldest first."""
    out: dict[tuple[int, str], list[datetime]] = {}
    wanted = sorted(set(case_ids))
    for i in range(0, len(wanted), _CHUNK):
        rows = session.exec(select(Response.case_id, Response.clock_kind, Response.at)
                            .where(Response.case_id.in_(wanted[i:i + _CHUNK])))
        for case_id, kind, at in rows:
            out.setdefault((case_id, kind), []).append(at)
    for times in out.values():
        times.sort()
    return out
