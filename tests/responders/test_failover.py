"""Real daemons (`yuqing run` subprocesses) on one database: kill -9 the leader, restart after SIGKILL.

Real time here (the daemons run on the system clock), so the cases are planned
with clocks of seconds instead of hours; the ladder and the loop are the same.
On PostgreSQL (DATABASE_URL) this is the failover setup of issue 6; on SQLite
the same lease row coordinates two processes sharing one file.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from responders.config import ClocksConfig
from responders.lease import CLOCKS_LEASE, current_holder
from responders.models import ClockEvent, ClockStep
from tests.yuqing.daemon_process import DaemonProcess, free_port, open_fast_cases, write_config
from yuqing.clock import SystemClock

pytestmark = pytest.mark.slow

# A "major emergency" whose clocks last seconds: 5 h -> 24 s, 24 h -> 40 s.
FAST = ClocksConfig.model_validate({
    "first_release": "24s", "press_conference": "40s",
    "ladder": {"leader_before": {"first_release": "6s", "press_conference": "8s"},
               "repeat": {"opened": 0, "reminder": 0, "leader": 0, "overdue": 0}},
})
TAKEOVER_LIMIT = 15.0
SYSTEM = SystemClock()


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def pending_steps(engine) -> int:
    with Session(engine) as s:
        return len(s.exec(select(ClockStep.id).where(ClockStep.status == "pending")).all())


def fired_steps(engine) -> list[ClockStep]:
    with Session(engine) as s:
        return list(s.exec(select(ClockStep).where(ClockStep.status == "fired")))


def events_per_step(engine) -> dict[int, int]:
    counts: dict[int, int] = {}
    with Session(engine) as s:
        for step_id in s.exec(select(ClockEvent.step_id)):
            counts[step_id] = counts.get(step_id, 0) + 1
    return counts


def drain_notifications(daemon: DaemonProcess, stop: threading.Event) -> None:
    # Play systemd's part: keep reading the notify socket. A receiver that stops reading
    # fills the datagram queue and the daemon's blocking WATCHDOG=1 send would hang its loop.
    while not stop.is_set():
        try:
            daemon.sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return


class Daemons(list):
    def __init__(self, tmp_path, db_url):
        super().__init__()
        self.tmp_path, self.db_url = tmp_path, db_url
        self.stop = threading.Event()

    def start(self, name: str) -> DaemonProcess:
        folder = self.tmp_path / name
        folder.mkdir()
        port = free_port()
        daemon = DaemonProcess(write_config(folder / "config.toml", db_url=self.db_url, port=port), port)
        self.append(daemon)
        daemon.wait_ready()
        threading.Thread(target=drain_notifications, args=(daemon, self.stop), daemon=True).start()
        return daemon


@pytest.fixture
def daemons(tmp_path, db_url):
    started = Daemons(tmp_path, db_url)
    yield started
    started.stop.set()
    for d in started:
        d.stop()


def test_killing_the_leader_hands_over_within_15_seconds_and_every_step_fires_once(engine, daemons):
    daemons.start("a")
    daemons.start("b")
    holder = wait_until(lambda: current_holder(engine, SYSTEM.now(), name=CLOCKS_LEASE), 20, "a lease holder")
    leader = next(d for d in daemons if holder.endswith(f":{d.proc.pid}"))
    standby = next(d for d in daemons if d is not leader)

    open_fast_cases(engine, 10, FAST, now=SYSTEM.now())
    wait_until(lambda: len(fired_steps(engine)) >= 10, 15, "the opening notices")
    leader.proc.kill()                                   # SIGKILL: no lease release, no clean-up
    leader.proc.wait(10)

    wait_until(lambda: pending_steps(engine) == 0, 90, "every step to fire")
    counts = events_per_step(engine)
    fired = fired_steps(engine)
    assert len(fired) == 10 * 7
    assert sorted(counts) == sorted(s.id for s in fired) and set(counts.values()) == {1}
    holders = {s.fired_by for s in fired}
    assert holders == {holder, current_holder(engine, SYSTEM.now(), name=CLOCKS_LEASE)}
    assert f":{standby.proc.pid}" in current_holder(engine, SYSTEM.now(), name=CLOCKS_LEASE)
    worst = max(s.late_seconds for s in fired)
    assert worst <= TAKEOVER_LIMIT, f"a step fired {worst:.1f}s late during the takeover"
    assert "Traceback" not in standby.log()


def test_steps_due_while_the_only_daemon_was_killed_fire_once_after_restart_marked_late(engine, daemons):
    first = daemons.start("first")
    wait_until(lambda: current_holder(engine, SYSTEM.now(), name=CLOCKS_LEASE), 20, "a lease holder")
    open_fast_cases(engine, 5, FAST, now=SYSTEM.now())
    wait_until(lambda: len(fired_steps(engine)) >= 5, 15, "the opening notices")
    first.proc.kill()
    first.proc.wait(10)
    killed_at = SYSTEM.now()
    fired_before = {s.id for s in fired_steps(engine)}

    # Stay down until every remaining step (the last at +40 s) is past due.
    with Session(engine) as s:
        last_due = max(s.exec(select(ClockStep.due_at).where(ClockStep.status == "pending")))
    wait_until(lambda: SYSTEM.now() > last_due + timedelta(seconds=2), 60, "the steps to fall due")
    assert pending_steps(engine) == 5 * 7 - len(fired_before)
    restarted_at = SYSTEM.now()
    second = daemons.start("second")

    wait_until(lambda: pending_steps(engine) == 0, 40, "the late steps to fire")
    assert set(events_per_step(engine).values()) == {1}
    late = [s for s in fired_steps(engine) if s.id not in fired_before]
    assert late and all(s.fired_by.endswith(f":{second.proc.pid}") for s in late)
    for s in late:
        assert s.fired_at >= restarted_at > killed_at
        assert s.late_seconds >= (restarted_at - s.due_at).total_seconds()
    with Session(engine) as s:
        payload_late = {e.step_id: e.payload["late_seconds"] for e in s.exec(select(ClockEvent))}
    assert all(abs(payload_late[s.id] - s.late_seconds) < 0.01 for s in late)
