"""Opening cases: one per priority event ever, clocks from the start rule, ladder rows, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from monitor.assessment import Assessment
from responders.actions import close_case, confirm_response, dismiss
from responders.assignment import assign
from responders.cases import open_case, open_cases_for_judged
from responders.config import ClocksConfig
from responders.models import AuditEntry, Case, Clock

from .clockkit import directory  # noqa: F401  (fixture)
from .clockkit import assessment, assignment_for, events, fire, hours, make_event, open_test_case, steps


def test_a_judged_priority_event_opens_one_case_with_its_clocks_and_steps(session, clock, directory):
    event = make_event(session, clock.now())
    judged = [(event, assessment("major_emergency"))]
    (case,) = open_cases_for_judged(session, clock.now(), judged, directory=directory, config=ClocksConfig())
    session.commit()
    assert (case.event_id, case.severity, case.status, case.opened_by) == (event.id, "major_emergency", "open", "system")
    expected = assign(judged[0][1], directory).to_record()
    assert case.rule == expected["rule"] and case.responsible["first"] == expected["first"]
    clocks = session.exec(select(Clock).where(Clock.case_id == case.id).order_by(Clock.due_at)).all()
    assert [(c.kind, c.due_at - clock.now(), c.status) for c in clocks] == [
        ("first_release", hours(5), "running"), ("press_conference", hours(24), "running")]
    assert [s.step for s in steps(session, case.id)] == [
        "opened", "reminder", "leader", "overdue", "reminder", "leader", "overdue"]
    audit = session.exec(select(AuditEntry).where(AuditEntry.case_id == case.id)).one()
    assert audit.action == "open_case" and audit.detail["clocks"][0]["kind"] == "first_release"


def test_judging_the_same_event_again_opens_no_second_case(session, clock, directory):
    event = make_event(session, clock.now())
    judged = [(event, assessment("general"))]
    assert len(open_cases_for_judged(session, clock.now(), judged, directory=directory, config=ClocksConfig())) == 1
    session.commit()
    clock.advance(hours(1))
    assert open_cases_for_judged(session, clock.now(), judged, directory=directory, config=ClocksConfig()) == []
    assert len(session.exec(select(Case)).all()) == 1


def test_a_dismissed_or_closed_case_is_never_reopened_for_its_event(session, clock, directory):
    config = ClocksConfig()
    first = open_test_case(session, clock.now(), config=config)
    second = open_test_case(session, clock.now(), config=config)
    dismiss(session, clock.now(), case_id=first.id, reason="不属于政务舆情", actor="a")
    close_case(session, clock.now(), case_id=second.id, result_url=None, actor="a")
    again = [(session.get(Case, c.id).event_id, assessment("major_emergency")) for c in (first, second)]
    from monitor.models import Event
    judged = [(session.get(Event, event_id), a) for event_id, a in again]
    assert open_cases_for_judged(session, clock.now(), judged, directory=directory, config=config) == []
    assert len(session.exec(select(Case)).all()) == 2


def test_non_priority_judgements_open_no_case(session, clock, directory):
    event = make_event(session, clock.now())
    judged = [(event, Assessment(priority=False)), (make_event(session, clock.now()), Assessment(priority=True, severity=None))]
    assert open_cases_for_judged(session, clock.now(), judged, directory=directory, config=ClocksConfig()) == []


def test_open_case_returns_the_existing_case_for_an_event(session, clock):
    event = make_event(session, clock.now())
    a = open_case(session, clock.now(), event=event, assessment=assessment(), assignment=assignment_for(), config=ClocksConfig())
    b = open_case(session, clock.now(), event=event, assessment=assessment(), assignment=assignment_for(), config=ClocksConfig())
    assert a.id == b.id


def test_clocks_count_from_first_sight_so_a_late_judgement_eats_into_the_deadline(session, clock, directory):
    seen = clock.now() - hours(4.5)
    case = open_test_case(session, clock.now(), config=ClocksConfig(), severity="major_emergency", first_seen_at=seen)
    clocks = session.exec(select(Clock).where(Clock.case_id == case.id).order_by(Clock.due_at)).all()
    assert [c.due_at for c in clocks] == [seen + hours(5), seen + hours(24)]
    # The 5 h clock's reminder (2.5 h) and leader step (4 h) had passed at opening: only the
    # latest of them is kept, due at the opening; the reminder is skipped.
    first = {s.step: s for s in steps(session, case.id) if s.clock_id == clocks[0].id}
    assert {k: (s.status, s.due_at) for k, s in first.items()} == {
        "reminder": ("skipped", seen + hours(2.5)), "opened": ("pending", clock.now()),
        "leader": ("pending", clock.now()), "overdue": ("pending", seen + hours(5))}
    assert any("首次监测发现" in line for line in case.responsible["trace"])


def test_a_case_opened_after_its_deadline_records_overdue_right_after_the_opening_notice(session, clock, directory):
    config = ClocksConfig()
    case = open_test_case(session, clock.now(), config=config, first_seen_at=clock.now() - hours(50))
    fire(session, clock, directory, config)
    assert [e.kind for e in events(session, case.id)] == ["opened", "overdue"]
    assert events(session, case.id)[1].payload["due_at"] == (clock.now() - hours(2)).isoformat()
    assert session.exec(select(Clock).where(Clock.case_id == case.id)).one().status == "overdue"


def test_follow_up_reminders_for_continuous_release_run_until_the_case_is_closed(session, clock, directory):
    config = ClocksConfig(follow_up_every=timedelta(hours=6))
    t0 = clock.now()
    case = open_test_case(session, t0, config=config, severity="major_emergency")
    clock.set(t0 + hours(4))
    confirm_response(session, clock.now(), case_id=case.id, clock_kind="first_release", mode="权威信息发布", actor="a")
    for h in (6, 12):            # the first release does not end the duty to keep releasing (T-5)
        clock.set(t0 + hours(h))
        fire(session, clock, directory, config)
    follow = [e for e in events(session, case.id) if e.payload["step"] == "follow_up"]
    assert [(e.kind, e.payload["attempt"]) for e in follow] == [("reminder", 0), ("reminder", 1)]
    close_case(session, clock.now(), case_id=case.id, result_url="https://gov.example.org/result", actor="a")
    clock.set(t0 + hours(30))
    fire(session, clock, directory, config)
    assert len([e for e in events(session, case.id) if e.payload["step"] == "follow_up"]) == 2
