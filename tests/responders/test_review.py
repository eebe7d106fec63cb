"""待研判 (review) cases: provisional clocks from first detection, the on-duty officer only, confirm and dismiss,
and every officer decision stored as a label with the text that was judged (issue 14)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import select

from monitor.assessment import Assessment
from monitor.models import Item, Source
from responders.actions import change_severity, dismiss, reassign
from responders.cases import open_cases_for_judged
from responders.config import ClocksConfig
from responders.errors import InvalidAction
from responders.ladder import Recipients
from responders.labels import MAX_TEXT, JudgementLabel, load_labels
from responders.models import AuditEntry, Case, Clock, ClockStep
from responders.reports import build_report, parse_period
from responders.review import confirm_review, dismiss_review

from .clockkit import directory  # noqa: F401  (fixture)
from .clockkit import TAIGU, events, fire, hours, make_event, names, open_test_case, steps

CONFIG = ClocksConfig()
_SOURCES = itertools.count(1)
OFFICER_ON_DUTY = {"值班员中"}       # 09:00-16:00 Beijing time on the fake clock's day


def review_assessment(provisional: str | None = "general", *, confidence: float = 0.55) -> Assessment:
    return Assessment(priority=False, review=True, confidence=confidence, provisional_severity=provisional,
                      criteria=("emergency_disaster",) if provisional == "major_emergency" else ("public_interest",),
                      localities=(TAIGU,), sectors=("emergency",), rationale=("待研判：把握不足",))


def open_review(session, now, directory, *, provisional="general", seen_before=timedelta(hours=2), drill=False,
                text="太谷区某化工厂发生爆炸，多人受伤，现场浓烟滚滚。"):
    event = make_event(session, now, title="太谷区某化工厂爆炸", first_seen_at=now - seen_before)
    source = Source(name=f"测试源{next(_SOURCES)}", kind="push", created_at=now)
    session.add(source)
    session.flush()
    session.add(Item(source_id=source.id, event_id=event.id, external_id=f"k{event.id}", title="太谷区某化工厂爆炸",
                     text=text, fetched_at=now, content_hash=f"h{event.id}"))
    session.flush()
    (case,) = open_cases_for_judged(session, now, [(event, review_assessment(provisional))], directory=directory,
                                    config=CONFIG, drill=drill)
    session.commit()
    return session.get(Case, case.id), event


def clock_rows(session, case_id) -> list[Clock]:
    session.expire_all()
    return list(session.exec(select(Clock).where(Clock.case_id == case_id).order_by(Clock.due_at, Clock.id)))


def labels(session) -> list[JudgementLabel]:
    session.expire_all()
    return list(session.exec(select(JudgementLabel).order_by(JudgementLabel.id)))


def test_a_review_item_opens_a_review_case_with_provisional_clocks_from_first_detection(session, clock, directory):
    now = clock.now()
    case, event = open_review(session, now, directory)
    assert case.status == "review" and case.severity == "general"
    (c,) = clock_rows(session, case.id)
    assert (c.kind, c.status) == ("response", "provisional")
    assert c.started_at == event.first_seen_at == now - hours(2)
    assert c.due_at == c.started_at + hours(48)
    # No opening notice, no ladder: only the officer's reminder before the provisional deadline.
    assert [s.step for s in steps(session, case.id)] == ["review_reminder"]
    assert any("待研判" in line for line in case.responsible["trace"])


def test_a_general_review_tells_nobody_until_just_before_its_provisional_deadline_and_then_only_the_officer(
        session, clock, directory):
    now = clock.now()
    case, _ = open_review(session, now, directory)
    (c,) = clock_rows(session, case.id)
    clock.set(now + hours(30))
    fire(session, clock, directory, CONFIG)
    assert events(session, case.id) == []
    clock.set(c.due_at - hours(8))       # the leader step's position of a 48 h clock (default 8 h before)
    fire(session, clock, directory, CONFIG)
    (reminder,) = events(session, case.id)
    assert reminder.payload["step"] == "review_reminder" and reminder.payload["first"] == []
    assert "待研判" in reminder.payload["text"]
    on_duty = {p.name for p in Recipients(directory, CONFIG).on_duty(clock.now())}
    assert names(reminder) == on_duty and not names(reminder) & {"应急联络人", "应急承办人", "应急局长", "副区长甲"}
    # The clock keeps running past its provisional deadline without an overdue notice to anyone.
    clock.set(c.due_at + hours(1))
    fire(session, clock, directory, CONFIG)
    assert len(events(session, case.id)) == 1
    assert clock_rows(session, case.id)[0].status == "provisional"


def test_a_major_emergency_review_alerts_the_on_duty_officer_at_once_and_nobody_else(session, clock, directory):
    now = clock.now()
    case, _ = open_review(session, now, directory, provisional="major_emergency", seen_before=timedelta(minutes=20))
    kinds = [c.kind for c in clock_rows(session, case.id)]
    assert kinds == ["first_release", "press_conference"]
    fire(session, clock, directory, CONFIG)
    (alert,) = events(session, case.id)
    assert alert.payload["step"] == "review_alert" and alert.kind == "other"
    assert names(alert) == OFFICER_ON_DUTY
    assert "疑似特别重大、重大突发事件" in alert.payload["text"] and alert.payload["first"] == []
    # The 5 h clock's reminder comes 1 h before the provisional deadline, to the officer again; no leader step.
    clock.set(now + hours(4))
    fire(session, clock, directory, CONFIG)
    later = events(session, case.id)[1:]
    assert [e.payload["step"] for e in later] == ["review_reminder"] and names(later[0]) == OFFICER_ON_DUTY
    assert not any(e.kind in ("leader", "opened", "overdue") for e in events(session, case.id))


def test_confirming_keeps_the_clock_start_and_starts_the_ladder(session, clock, directory):
    t0 = clock.now()
    case, event = open_review(session, t0, directory)
    (before,) = clock_rows(session, case.id)
    clock.set(t0 + hours(3))
    confirmed = confirm_review(session, clock.now(), case_id=case.id, actor="值班员中", config=CONFIG)
    assert confirmed.status == "open"
    (after,) = clock_rows(session, case.id)
    assert after.id == before.id and after.status == "running"
    assert (after.started_at, after.due_at) == (t0 - hours(2), t0 - hours(2) + hours(48))
    fire(session, clock, directory, CONFIG)
    (opened,) = [e for e in events(session, case.id) if e.kind == "opened"]
    assert {"应急联络人", "应急承办人"} <= names(opened)
    assert all(s.status == "cancelled" for s in steps(session, case.id) if s.step == "review_reminder")
    (label,) = labels(session)
    assert (label.decision, label.priority, label.severity, label.localities, label.sectors) == \
        ("confirm", True, "general", [TAIGU], ["emergency"])
    assert "化工厂发生爆炸" in label.text and label.event_id == event.id and label.actor == "值班员中"


def test_confirming_with_another_severity_counts_the_new_clocks_from_the_same_start(session, clock, directory):
    t0 = clock.now()
    case, _ = open_review(session, t0, directory, seen_before=timedelta(hours=1))
    clock.set(t0 + hours(1))
    confirm_review(session, clock.now(), case_id=case.id, actor="值班员中", config=CONFIG, severity="major_emergency")
    rows = clock_rows(session, case.id)
    assert {(c.kind, c.status) for c in rows} == {("response", "replaced"), ("first_release", "running"),
                                                 ("press_conference", "running")}
    release = next(c for c in rows if c.kind == "first_release")
    assert release.started_at == t0 - hours(1) and release.due_at == t0 + hours(4)
    assert session.get(Case, case.id).severity == "major_emergency"
    assert labels(session)[0].severity == "major_emergency"


def test_dismissing_stops_the_clocks_closes_as_not_priority_and_records_a_label(session, clock, directory):
    now = clock.now()
    case, _ = open_review(session, now, directory, provisional="major_emergency")
    with pytest.raises(InvalidAction, match="排除理由"):
        dismiss_review(session, now, case_id=case.id, reason="  ", actor="值班员中")
    clock.set(now + hours(1))
    dismiss_review(session, clock.now(), case_id=case.id, reason="系旧闻转载，非本地事件", actor="值班员中")
    case = session.get(Case, case.id)
    assert case.status == "dismissed" and case.dismissed_reason == "系旧闻转载，非本地事件"
    assert {c.status for c in clock_rows(session, case.id)} == {"stopped"}
    assert all(s.status == "cancelled" for s in steps(session, case.id) if s.status != "fired")
    clock.set(now + hours(10))
    fire(session, clock, directory, CONFIG)
    assert [e.payload["step"] for e in events(session, case.id)] == []     # the alert was never fired either
    (label,) = labels(session)
    assert (label.decision, label.priority, label.severity, label.reason) == ("dismiss", False, None,
                                                                              "系旧闻转载，非本地事件")
    with pytest.raises(InvalidAction, match="不在待研判"):
        confirm_review(session, clock.now(), case_id=case.id, actor="值班员中", config=CONFIG)


def test_ordinary_actions_are_refused_on_a_review_case(session, clock, directory):
    case, _ = open_review(session, clock.now(), directory)
    with pytest.raises(InvalidAction, match="待研判"):
        change_severity(session, clock.now(), case_id=case.id, severity="major_emergency", reason="x", actor="甲",
                        config=CONFIG)


def test_review_cases_are_not_counted_in_the_report(session, clock, directory):
    t0 = clock.now()
    open_review(session, t0, directory)
    open_test_case(session, t0, config=CONFIG)
    report = build_report(session, parse_period("2026-11", now=t0), now=t0 + hours(60))
    assert report.current.cases_opened == 1
    assert sum(c.decided for c in report.current.clocks if c.kind == "all") == 1


def test_every_decision_kind_stores_a_label_and_drills_are_marked(session, clock, directory):
    now = clock.now()
    case = open_test_case(session, now, config=CONFIG)
    change_severity(session, now, case_id=case.id, severity="major_emergency", reason="死亡人数上升", actor="值班员中",
                    config=CONFIG)
    change_severity(session, now, case_id=case.id, severity="general", reason="核实后未达重大", actor="值班负责人",
                    config=CONFIG)
    reassign(session, now, case_id=case.id, actor="值班员中", reason="实为教育系统", directory=directory,
             reassign_to=(TAIGU, "education"))
    dismiss(session, now, case_id=case.id, reason="不属政务舆情", actor="值班负责人")
    drill_case, _ = open_review(session, now, directory, drill=True)
    confirm_review(session, now, case_id=drill_case.id, actor="值班员中", config=CONFIG)
    # The system's automatic upgrade is not an officer's verdict.
    other = open_test_case(session, now, config=CONFIG)
    change_severity(session, now, case_id=other.id, severity="major_emergency", reason="系统自动升级", actor="system",
                    config=CONFIG)
    rows = labels(session)
    assert [(r.decision, r.priority, r.severity) for r in rows] == [
        ("upgrade", True, "major_emergency"), ("downgrade", True, "general"), ("reassign", True, "general"),
        ("dismiss", False, None), ("confirm", True, "general")]
    assert (rows[2].localities, rows[2].sectors) == ([TAIGU], ["education"])
    assert [r.drill for r in rows] == [False, False, False, False, True]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "confirm_review")).first() is not None


def test_load_labels_gives_the_trainer_one_latest_verdict_per_case(session, clock, directory):
    now = clock.now()
    case, _ = open_review(session, now, directory, text="化" * 5000)
    confirm_review(session, now, case_id=case.id, actor="值班员中", config=CONFIG)
    clock.set(now + hours(2))
    change_severity(session, clock.now(), case_id=case.id, severity="major_emergency", reason="升级", actor="值班员中",
                    config=CONFIG)
    drill_case, _ = open_review(session, now, directory, drill=True)
    dismiss_review(session, now, case_id=drill_case.id, reason="演练", actor="值班员中")
    (record,) = load_labels(session, None)
    assert set(record) >= {"id", "title", "text", "label", "decided_at", "decision"}
    assert record["decision"] == "upgrade" and record["title"] == "太谷区某化工厂爆炸"
    assert record["label"] == {"priority": True, "criteria": [], "severity": "major_emergency",
                               "localities": [TAIGU], "sectors": ["emergency"]}
    assert len(record["text"]) == MAX_TEXT and record["decided_at"] == clock.now().isoformat()
    assert len(load_labels(session, None, latest_only=False)) == 2
    assert load_labels(session, clock.now() + timedelta(seconds=1)) == []
    assert [r["decision"] for r in load_labels(session, None, include_drill=True)] == ["dismiss", "upgrade"]


def test_a_review_case_is_opened_once_per_event(session, clock, directory):
    case, event = open_review(session, clock.now(), directory)
    again = open_cases_for_judged(session, clock.now(), [(event, review_assessment())], directory=directory,
                                  config=CONFIG)
    assert again == [] and len(session.exec(select(Case)).all()) == 1
    assert session.exec(select(ClockStep).where(ClockStep.step == "opened")).first() is None


def test_the_review_alert_reads_in_chinese_with_beijing_time(session, clock, directory):
    from alerts.render import Renderer, message_context

    case, _ = open_review(session, clock.now(), directory, provisional="major_emergency", seen_before=timedelta(hours=1))
    fire(session, clock, directory, CONFIG)
    (alert,) = events(session, case.id)
    ctx = message_context(kind=alert.kind, payload=alert.payload, now=clock.now(), base_url="http://127.0.0.1:8080")
    out = Renderer().render(alert.kind, ctx, "text")
    assert "待研判" in out.body and "请值班员立即研判" in out.body and "太谷区某化工厂爆炸" in out.subject
    # The provisional 5 h deadline counts from first detection (08:00 Beijing time): due 13:00 Beijing time.
    assert "13:00（北京时间）" in out.body and "第一责任主体" not in out.body


def test_the_confirmation_trace_reads_in_chinese_with_beijing_time(session, clock, directory):
    case, _ = open_review(session, clock.now(), directory, seen_before=timedelta(hours=1))
    confirm_review(session, clock.now(), case_id=case.id, actor="值班员中", config=CONFIG, severity="major_emergency")
    trace = session.get(Case, case.id).responsible["trace"][-1]
    # First detection 08:00 Beijing time; the 5 h release is due 13:00 Beijing time.
    assert "人工确认为重点舆情（值班员中）" in trace and "2026-11-20 08:00（北京时间）" in trace
    assert "5小时发布权威信息时限 11-20 13:00" in trace and "first_release" not in trace and "+00:00" not in trace
