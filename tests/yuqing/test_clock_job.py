"""The daemon's `clocks` job: fires only while holding the lease, and waits within its tick for the next step."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from monitor.assessment import Assessment
from monitor.models import Event
from responders.assignment import Assignment, BodyRef
from responders.cases import open_case
from responders.config import ClocksConfig
from responders.lease import try_acquire
from responders.models import ClockEvent
from yuqing.clock import SystemClock
from yuqing.jobs import clock_job
from yuqing.runtime import Runtime

# Seconds-long clocks so that the next step falls inside one 1 s tick.
# The 2 s clock's leader step comes 0.1 s after the opening (its reminder, not before it, is dropped).
FAST = ClocksConfig.model_validate({"first_release": "2s", "press_conference": "4s",
                                     "ladder": {"leader_before": {"first_release": "1.9s", "press_conference": "1s"}}})


def open_fast_case(engine, now) -> int:
    with Session(engine) as session:
        event = Event(title="测试", first_seen_at=now, last_seen_at=now)
        session.add(event)
        session.flush()
        case = open_case(session, now, event=event, config=FAST,
                         assessment=Assessment(priority=True, severity="major_emergency"),
                         assignment=Assignment(rule="single_locality", first=(
                             BodyRef("晋中市太谷区应急管理局", "山西省晋中市太谷区", sector="emergency"),)))
        session.commit()
        return case.id


def fired_kinds(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(e.kind, e.payload["clock_kind"]) for e in session.exec(select(ClockEvent).order_by(ClockEvent.id))]


def test_one_run_fires_what_is_due_and_the_steps_falling_due_within_the_tick(engine, clock, example_config):
    runtime = Runtime(example_config, clock, engine=engine)
    runtime.directory                       # built before the first tick, as the daemon does
    job = clock_job(runtime)
    t0 = clock.now()
    open_fast_case(engine, t0)
    asyncio.run(job(runtime))
    # The opening notice was due; the leader step came due 0.1 s later, inside the tick, so the
    # run waited for it (the fake clock's sleep moves time) and stopped at the 2 s deadline's distance.
    assert fired_kinds(engine) == [("opened", "first_release"), ("leader", "first_release")]
    assert clock.now() == t0 + timedelta(seconds=0.1)
    assert runtime.health.details["clocks_leader"] != "standby"


def test_a_standby_daemon_fires_nothing(engine, clock, example_config):
    assert try_acquire(engine, SystemClock().now(), name="clocks", holder="other-daemon", ttl=timedelta(seconds=30))
    runtime = Runtime(example_config, clock, engine=engine)
    open_fast_case(engine, clock.now())
    asyncio.run(clock_job(runtime)(runtime))
    assert fired_kinds(engine) == []
    assert runtime.health.details["clocks_leader"] == "standby"
