"""The firing loop: boundary instants, recipients at fire time, repeats, downtime catch-up, CAS, bad records."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from monitor.models import Item, Source
from responders.actions import acknowledge, dismiss
from responders.config import ClocksConfig
from responders.firing import fire_due_steps, next_due_at
from responders.models import Case, Clock, ClockEvent, ClockStep

from .clockkit import directory  # noqa: F401  (fixture)
from .clockkit import events, fire, hours, names, open_test_case, steps

NO_REPEATS = ClocksConfig.model_validate({"ladder": {"repeat": {"opened": 0, "reminder": 0, "leader": 0, "overdue": 0}}})


@pytest.mark.parametrize(("severity", "kind", "step", "offset"), [
    pytest.param("general", "response", "reminder", hours(24), id="48h-reminder-at-24h"),
    pytest.param("general", "response", "leader", hours(40), id="48h-leader-at-40h"),
    pytest.param("general", "response", "overdue", hours(48), id="48h-overdue-at-48h"),
    pytest.param("major_emergency", "first_release", "reminder", hours(2.5), id="5h-reminder-at-2h30"),
    pytest.param("major_emergency", "first_release", "leader", hours(4), id="5h-leader-at-4h"),
    pytest.param("major_emergency", "first_release", "overdue", hours(5), id="5h-overdue-at-5h"),
    pytest.param("major_emergency", "press_conference", "reminder", hours(12), id="24h-reminder-at-12h"),
    pytest.param("major_emergency", "press_conference", "leader", hours(20), id="24h-leader-at-20h"),
    pytest.param("major_emergency", "press_conference", "overdue", hours(24), id="24h-overdue-at-24h"),
])
def test_a_step_fires_at_its_instant_not_a_second_before_and_only_once(session, clock, directory, severity, kind, step, offset):
    t0 = clock.now()
    case = open_test_case(session, t0, config=NO_REPEATS, severity=severity)
    fire(session, clock, directory, NO_REPEATS)           # the opening notice
    clock.set(t0 + offset - timedelta(seconds=1))
    fire(session, clock, directory, NO_REPEATS)
    before = [(e.kind, e.payload["clock_kind"]) for e in events(session, case.id)]
    assert (step, kind) not in before

    clock.set(t0 + offset)
    fire(session, clock, directory, NO_REPEATS)
    at = [(e.kind, e.payload["clock_kind"]) for e in events(session, case.id)]
    assert at[len(before):] == [(step, kind)]
    assert events(session, case.id)[-1].payload["late_seconds"] == 0

    clock.set(t0 + offset + timedelta(seconds=1))
    fire(session, clock, directory, NO_REPEATS)
    assert [(e.kind, e.payload["clock_kind"]) for e in events(session, case.id)] == at


def test_the_opening_notice_tells_the_liaison_the_handler_and_the_officer_on_duty(session, clock, directory):
    case = open_test_case(session, clock.now(), config=NO_REPEATS)
    assert fire(session, clock, directory, NO_REPEATS) == 1
    (event,) = events(session, case.id)
    assert event.kind == "opened"
    assert names(event) == {"应急联络人", "应急承办人", "值班员中"}
    liaison = next(r for r in event.recipients if r["name"] == "应急联络人")
    assert liaison == {"name": "应急联络人", "role": "liaison", "locality": "山西省晋中市太谷区",
                       "body": ["山西省晋中市太谷区", "emergency"], "email": "应急联络人@example.org",
                       "mobile": None, "wecom": None, "dingtalk": None, "feishu": None}


def test_the_payload_carries_everything_the_alerts_package_reads(session, clock, directory):
    case = open_test_case(session, clock.now(), config=NO_REPEATS, severity="major_emergency")
    source = Source(name="s", kind="feed", created_at=clock.now())
    session.add(source)
    session.flush()
    session.add(Item(source_id=source.id, external_id="1", event_id=case.event_id, url="https://example.org/a",
                     fetched_at=clock.now(), content_hash="x"))
    session.commit()
    fire(session, clock, directory, NO_REPEATS)
    (event,) = events(session, case.id)
    payload = event.payload
    assert set(payload) >= {"case_id", "title", "severity", "especially_major", "criteria", "clock_kind", "clock_hours",
                            "due_at", "step", "late_seconds", "first", "trace", "evidence", "drill"}
    assert payload["case_id"] == case.id and payload["severity"] == "major_emergency"
    assert payload["clock_kind"] == "first_release" and payload["clock_hours"] == 5
    assert payload["due_at"] == (clock.now() + hours(5)).isoformat()
    assert payload["first"] == [{"name": "晋中市太谷区应急管理局", "locality": "山西省晋中市太谷区", "sector": "emergency"}]
    assert payload["evidence"] == ["https://example.org/a"]
    assert any("计时起点" in line for line in payload["trace"])
    assert payload["drill"] is False and event.clock_id is not None and event.step_id is not None


def test_the_leader_step_goes_to_the_head_and_the_deputy_in_charge_with_the_officer_of_that_hour(session, clock, directory):
    t0 = clock.now()                                    # Friday 09:00 local
    case = open_test_case(session, t0, config=NO_REPEATS)
    clock.set(t0 + hours(40))                           # Sunday 01:00 local: the night shift
    fire(session, clock, directory, NO_REPEATS)
    leader = next(e for e in events(session, case.id) if e.kind == "leader")
    assert names(leader) == {"应急局长", "副区长甲", "值班员早"}


def test_at_expiry_the_coordination_office_is_told_and_the_clock_is_recorded_overdue(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=NO_REPEATS, severity="major_emergency")
    clock.set(t0 + hours(5))
    fire(session, clock, directory, NO_REPEATS)
    overdue = next(e for e in events(session, case.id) if e.kind == "overdue")
    assert names(overdue) == {"区府办主任", "区府办联络人", "值班员中"}      # 14:00 local
    session.expire_all()
    statuses = {c.kind: c.status for c in session.exec(select(Clock).where(Clock.case_id == case.id))}
    assert statuses == {"first_release": "overdue", "press_conference": "running"}


def test_an_especially_major_case_also_reaches_the_principal_at_expiry(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=NO_REPEATS, severity="major_emergency", especially_major=True)
    clock.set(t0 + hours(5))
    fire(session, clock, directory, NO_REPEATS)
    overdue = next(e for e in events(session, case.id) if e.kind == "overdue")
    assert "区长" in names(overdue)


def test_steps_that_fell_due_while_the_daemon_was_down_fire_at_once_marked_late(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=NO_REPEATS, severity="major_emergency")
    fire(session, clock, directory, NO_REPEATS)
    clock.set(t0 + hours(5.5))                          # down from 09:00 to 14:30
    assert fire(session, clock, directory, NO_REPEATS) == 3
    late = {(e.kind, e.payload["clock_kind"]): e.payload["late_seconds"] for e in events(session, case.id)[1:]}
    assert late == {("reminder", "first_release"): 3 * 3600, ("leader", "first_release"): 1.5 * 3600,
                    ("overdue", "first_release"): 0.5 * 3600}
    fired = {s.step: s.late_seconds for s in steps(session, case.id) if s.status == "fired" and s.step != "opened"}
    assert fired == {"reminder": 3 * 3600, "leader": 1.5 * 3600, "overdue": 0.5 * 3600}
    assert fire(session, clock, directory, NO_REPEATS) == 0


def test_a_fired_step_repeats_until_it_is_acknowledged_and_the_clock_goes_on(session, clock, directory):
    config = ClocksConfig()                              # opened repeats every 30 min
    t0 = clock.now()
    case = open_test_case(session, t0, config=config)
    fire(session, clock, directory, config)
    clock.set(t0 + timedelta(minutes=30))
    fire(session, clock, directory, config)
    assert [(e.kind, e.payload["attempt"]) for e in events(session, case.id)] == [("opened", 0), ("opened", 1)]

    acknowledge(session, clock.now(), case_id=case.id, actor="值班员中")
    clock.set(t0 + hours(23))
    fire(session, clock, directory, config)
    assert len(events(session, case.id)) == 2            # no more repeats
    clock.set(t0 + hours(24))
    fire(session, clock, directory, config)
    assert events(session, case.id)[-1].kind == "reminder"      # the clock itself never stopped


def test_the_next_ladder_step_supersedes_the_repeats_of_the_previous_one(session, clock, directory):
    config = ClocksConfig.model_validate({"ladder": {"repeat": {"opened": "10h"}}})
    t0 = clock.now()
    case = open_test_case(session, t0, config=config, severity="major_emergency")
    fire(session, clock, directory, config)             # opened; its repeat is due at +10 h
    clock.set(t0 + hours(2.5))
    fire(session, clock, directory, config)             # the 5 h clock's reminder fires
    repeat = next(s for s in steps(session, case.id) if s.step == "opened" and s.attempt == 1)
    assert repeat.status == "cancelled" and "代替" in repeat.note


def test_steps_of_a_dismissed_case_are_never_fired(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=NO_REPEATS)
    fire(session, clock, directory, NO_REPEATS)
    dismiss(session, clock.now(), case_id=case.id, reason="经核实不属于政务舆情", actor="值班员中")
    fire(session, clock, directory, NO_REPEATS)
    clock.set(t0 + hours(49))
    fire(session, clock, directory, NO_REPEATS)
    assert [e.kind for e in events(session, case.id)] == ["opened", "other"]
    assert all(s.status in ("fired", "cancelled") for s in steps(session, case.id))


def test_a_record_that_raises_is_pushed_forward_and_the_others_still_fire(session, clock, directory, caplog):
    good = open_test_case(session, clock.now(), config=NO_REPEATS)
    bad = open_test_case(session, clock.now(), config=NO_REPEATS)
    session.get(Case, bad.id).responsible = {"first": ["not a body record"]}
    session.commit()
    assert fire(session, clock, directory, NO_REPEATS) == 1
    assert [e.kind for e in events(session, good.id)] == ["opened"]
    assert events(session, bad.id) == []
    (opened,) = [s for s in steps(session, bad.id) if s.step == "opened"]
    assert (opened.status, opened.failures, opened.due_at) == ("pending", 1, clock.now() + NO_REPEATS.retry_after)
    assert "AttributeError" in opened.last_error
    assert "failed, retrying" in caplog.text
    assert fire(session, clock, directory, NO_REPEATS) == 0            # no crash loop within the retry delay


def test_two_loops_racing_on_one_database_fire_every_step_exactly_once(engine, clock, directory):
    with Session(engine) as session:
        for _ in range(60):
            open_test_case(session, clock.now(), config=NO_REPEATS, severity="major_emergency")
    clock.set(clock.now() + hours(30))                    # every step of every clock is due
    counts, errors = [], []

    def loop(name):
        try:
            with Session(engine) as s:
                counts.append(fire_due_steps(s, clock.now(), directory=directory, config=NO_REPEATS, holder=name, batch=25))
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=loop, args=(f"loop{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with Session(engine) as s:
        step_ids = [e.step_id for e in s.exec(select(ClockEvent))]
        pending = s.exec(select(ClockStep).where(ClockStep.status == "pending")).all()
    assert len(step_ids) == len(set(step_ids)) == sum(counts) == 60 * 7
    assert pending == []


def test_next_due_at_names_the_earliest_pending_step(session, clock, directory):
    assert next_due_at(session) is None
    open_test_case(session, clock.now(), config=NO_REPEATS)
    fire(session, clock, directory, NO_REPEATS)
    assert next_due_at(session) == clock.now() + hours(24)
