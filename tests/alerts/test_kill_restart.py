"""A sender killed with SIGKILL mid-send: after a restart the message is delivered, and a confirmed one is never repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session, select

from alerts.models import DeliveryAttempt, Notification
from alerts.routing import expand_clock_events

from .conftest import insert_case, insert_event, make_ctx

ROOT = Path(__file__).resolve().parents[2]


def start_sender(db_url: str, robots) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.alerts.sender_process", db_url, f"{robots.base}/webhook", robots.settings.webhook_secret],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def status_of(engine, row_id):
    with Session(engine) as s:
        return s.get(Notification, row_id).status


def deliveries(robots, key):
    return [r for r in robots.received if r.json and r.json.get("key") == key]


def test_a_killed_sender_loses_nothing_and_repeats_nothing_confirmed(session, engine, db_url, clock, robots):
    clock.set(datetime(2020, 1, 1, tzinfo=timezone.utc))    # rows are due for the real-time subprocess
    ctx = make_ctx([{"name": "指挥平台", "kind": "webhook", "url": f"{robots.base}/webhook",
                     "secret": robots.settings.webhook_secret, "bodies": ["*"]}])
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), kind="opened")
    expand_clock_events(session, clock.now(), ctx)
    first = session.exec(select(Notification)).one()

    sender = start_sender(db_url, robots)
    try:
        assert wait_for(lambda: status_of(engine, first.id) == "sent")

        robots.delay = 60.0                         # the receiver holds the next request: the send is in flight
        robots.arrived.clear()
        insert_event(session, case, clock.now(), kind="reminder")
        expand_clock_events(session, clock.now(), ctx)
        second = session.exec(select(Notification).where(Notification.kind == "reminder")).one()
        assert robots.arrived.wait(30)
        assert status_of(engine, second.id) == "sending"
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(10)
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
    robots.delay = 0.0
    assert len(deliveries(robots, second.key)) == 1 and status_of(engine, second.id) == "sending"

    restarted = start_sender(db_url, robots)
    try:
        assert wait_for(lambda: status_of(engine, second.id) == "sent")
        time.sleep(1.0)                             # several more passes of the restarted sender
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(15)

    # At least once: the in-flight message was sent again after its claim expired...
    assert len([r for r in deliveries(robots, second.key) if r.answer == {"ok": True}]) >= 1
    # ...and the one confirmed before the kill was never sent again.
    assert len(deliveries(robots, first.key)) == 1
    with Session(engine) as s:
        attempts = s.exec(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == second.id)).all()
        assert [a.ok for a in attempts] == [True]   # the killed attempt left no record; the restart's did
        assert s.get(Notification, first.id).attempts == 1
