"""Automatic upgrade of an open case when its event is judged more severe (RULES.md N-7, S-1, S-3).

An event's facts change after its case opened: the death toll rises from 3 to
11 (a production-safety accident with 10 or more deaths is 重大: S-1, the 5 h and
24 h clocks), or reports of the same incident are merged into it
(monitor.incidents). When a re-judgement of an event with an open case is more
severe than the case, the case is upgraded through `actions.change_severity`
(actor "system"), which replaces the clocks by the documented rule (the new
clocks count from the original start; a deadline already past or near moves
to the change + `regrade_grace`).

Why never downgrade here: a lower figure in a later report (a correction, a
report about one site) does not prove the incident smaller, and lifting a
5 h duty is a supervisor's decision (the case page's re-grading).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from monitor.assessment import Assessment

from .actions import change_severity
from .config import ClocksConfig
from .models import Case
from .vocabulary import severity_words

__all__ = ["Upgrade", "plan_upgrade", "upgrade_cases_for_judged", "SYSTEM_ACTOR"]

CASE = Case.__table__
_OPEN_CASES = (select(CASE.c.id, CASE.c.event_id, CASE.c.status, CASE.c.severity, CASE.c.especially_major)
               .where(CASE.c.event_id.in_(bindparam("events", expanding=True)), CASE.c.status == "open")
               .order_by(CASE.c.id))

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
_RANK = {"general": 0, "major_emergency": 1}
_HOURS = {"general": "48小时内回应", "major_emergency": "5小时内发布权威信息、24小时内举行新闻发布会"}


@dataclass(frozen=True)
class Upgrade:
    """Re-grade case `case_id` to `severity` (and especially major when `especially_major` is True)."""

    case_id: int
    severity: str
    especially_major: bool | None
    reason: str


def plan_upgrade(case: Case, assessment: Assessment) -> Upgrade | None:
    """Return the upgrade a new assessment calls for on an open case, or None (same, lower, or not open).

    `case` is a Case or a row with its id, status, severity and especially_major.

    More severe means general -> major_emergency, or especially_major becoming
    True; the severity never goes down and especially_major is never cleared.
    """
    if case.status != "open" or not assessment.priority or assessment.severity not in _RANK:
        return None
    higher = _RANK[assessment.severity] > _RANK.get(case.severity, 0)
    more_major = assessment.especially_major and not case.especially_major
    if not higher and not more_major:
        return None
    severity = assessment.severity if higher else case.severity
    parts = []
    if higher:
        parts.append(f"重新研判为{severity_words(severity)}（{_HOURS[severity]}）")
    if more_major:
        parts.append("重新研判为特别重大政务舆情：本级政府主要负责同志负起领导责任（国办发〔2016〕61号 一）")
    # The rationale lines that name the figures: "事件分级：重大（死亡11人…）", "特别重大的政务舆情…：阅读量…".
    evidence = [r for r in assessment.rationale if r.startswith(("事件分级", "特别重大的政务舆情"))]
    reason = "系统自动升级：" + "；".join(parts) + ("。依据：" + "；".join(evidence) if evidence else "")
    return Upgrade(case.id, severity, True if more_major else None, reason)


def upgrade_cases_for_judged(session: Session, now: datetime, judged: dict[int, Assessment], *,
                             config: ClocksConfig) -> list[Case]:
    """Upgrade the open cases of judged events that are now more severe; return the cases upgraded.

    `judged` maps event ids to their new monitor.assessment.Assessment. One
    query for the cases; each upgrade commits (`change_severity` does).
    """
    by_event = {event_id: a for event_id, a in judged.items() if a.priority}
    if not by_event:
        return []
    # Plan every upgrade before the first one commits (`change_severity` does), on the five columns
    # `plan_upgrade` reads: ORM cases (JSON columns decoded) were expired by that commit and
    # reloaded one query each (bench.ingest: 559 open cases read for 21 upgrades).
    session.flush()         # as the ORM query's autoflush did
    cases = session.connection().execute(_OPEN_CASES, {"events": list(by_event)}).all()
    planned = []
    for case in cases:
        upgrade = plan_upgrade(case, by_event[case.event_id])
        if upgrade is not None:
            planned.append((upgrade, case.severity, case.event_id))
    upgraded = []
    for upgrade, old, event_id in planned:
        upgraded.append(change_severity(session, now, case_id=upgrade.case_id, severity=upgrade.severity,
                                        especially_major=upgrade.especially_major, reason=upgrade.reason,
                                        actor=SYSTEM_ACTOR, config=config))
        logger.info("case %s upgraded automatically %s -> %s (event %s)", upgrade.case_id, old, upgrade.severity,
                    event_id)
    return upgraded
