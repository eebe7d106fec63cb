"""Automatic upgrade of an open case when its event is judged more severe; never a downgrade."""

from __future__ import annotations

import pytest
from sqlmodel import select

from responders.actions import dismiss
from responders.config import ClocksConfig
from responders.models import AuditEntry, Case, Clock
from responders.regrade import SYSTEM_ACTOR, plan_upgrade, upgrade_cases_for_judged

from .clockkit import assessment, hours, open_test_case

GRADING = "事件分级：重大（死亡11人（≥10））；特别重大、重大突发事件：5小时内发布权威信息、24小时内举行新闻发布会（国办发〔2016〕61号 三）"


def major(**kw):
    return assessment("major_emergency", rationale=(GRADING,), **kw)


def clocks(session, case_id) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id)).all()
    return [(c.kind, c.status) for c in rows]


@pytest.mark.parametrize("case_severity, case_major, new, expected", [
    pytest.param("general", False, major(), ("major_emergency", None), id="general-to-major"),
    pytest.param("general", False, assessment("general", especially_major=True), ("general", True), id="especially-major"),
    pytest.param("major_emergency", False, assessment("general"), None, id="never-down"),
    pytest.param("major_emergency", True, major(), None, id="same"),
    pytest.param("general", True, assessment("general"), None, id="especially-major-kept"),
])
def test_an_upgrade_is_planned_only_when_the_new_assessment_is_more_severe(case_severity, case_major, new, expected):
    case = Case(id=1, event_id=1, title="t", opened_at=None, severity=case_severity, especially_major=case_major,
                status="open")
    upgrade = plan_upgrade(case, new)
    assert (None if upgrade is None else (upgrade.severity, upgrade.especially_major)) == expected


def test_the_reason_names_the_new_figures_from_the_rationale():
    case = Case(id=1, event_id=1, title="t", opened_at=None, severity="general", status="open")
    upgrade = plan_upgrade(case, major())
    assert upgrade.reason.startswith("系统自动升级：重新研判为特别重大、重大突发事件")
    assert "死亡11人" in upgrade.reason


def test_an_open_general_case_is_upgraded_and_gets_the_5_and_24_hour_clocks(session, clock):
    config = ClocksConfig()
    case = open_test_case(session, clock.now(), config=config, severity="general")
    clock.advance(hours(2))

    (upgraded,) = upgrade_cases_for_judged(session, clock.now(), {case.event_id: major()}, config=config)

    assert (upgraded.id, upgraded.severity) == (case.id, "major_emergency")
    assert clocks(session, case.id) == [("response", "replaced"), ("first_release", "running"),
                                        ("press_conference", "running")]
    first_release = session.exec(select(Clock).where(Clock.case_id == case.id, Clock.kind == "first_release")).one()
    assert first_release.due_at == case.opened_at + hours(5)          # from the original start (RULES.md N-7 rule)
    audit = session.exec(select(AuditEntry).where(AuditEntry.case_id == case.id,
                                                  AuditEntry.action == "change_severity")).one()
    assert audit.actor == SYSTEM_ACTOR and audit.detail["new"] == "major_emergency" and "死亡11人" in audit.detail["reason"]


def test_a_less_severe_judgement_never_downgrades_and_a_closed_case_is_left_alone(session, clock):
    config = ClocksConfig()
    kept = open_test_case(session, clock.now(), config=config, severity="major_emergency")
    dismissed = open_test_case(session, clock.now(), config=config, severity="general")
    dismiss(session, clock.now(), case_id=dismissed.id, reason="不属于政务舆情", actor="值班员")

    judged = {kept.event_id: assessment("general"), dismissed.event_id: major()}
    assert upgrade_cases_for_judged(session, clock.now(), judged, config=config) == []
    assert clocks(session, kept.id) == [("first_release", "running"), ("press_conference", "running")]
    assert session.get(Case, dismissed.id).severity == "general"
