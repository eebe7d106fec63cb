"""Generic JSON webhook against a local receiver that verifies the HMAC-SHA256 signature header."""

from __future__ import annotations

from sqlmodel import select

from alerts.channels.webhook import webhook_signature
from alerts.models import DeliveryAttempt, Notification
from alerts.routing import expand_clock_events

from .conftest import drain, insert_case, insert_event, make_ctx, robot_channels


def hook_ctx(robots, **extra):
    return make_ctx([c for c in robot_channels(robots, webhook=extra) if c["kind"] == "webhook"])


def test_the_signature_covers_the_timestamp_and_the_exact_body():
    a = webhook_signature("k", 1700000000, b'{"a":1}')
    assert a.startswith("t=1700000000,v1=") and a != webhook_signature("k", 1700000000, b'{"a": 1}')


def test_it_posts_signed_json_with_the_idempotency_key(session, engine, clock, robots):
    ctx = hook_ctx(robots)
    case = insert_case(session, clock.now())
    event = insert_event(session, case, clock.now(), kind="overdue", late_seconds=600)
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    [got] = robots.of("webhook")
    assert got.json["kind"] == "overdue" and got.json["case_id"] == case.id
    assert got.json["key"] == f"{case.id}:first_release:overdue.e{event.id}:@group:指挥平台"
    assert "超时 10分" in got.json["text"] or "超时10分" in got.json["text"]
    assert got.headers["X-Yuqing-Kind"] == "overdue"


def test_a_bad_signature_is_a_permanent_401(session, engine, clock, robots):
    ctx = hook_ctx(robots, secret="not-the-secret")
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "failed" and "HTTP 401" in row.last_error


def test_a_server_error_is_retried_with_exponential_backoff(session, engine, clock, robots):
    robots.script("webhook", {"_status": 503, "error": "busy"}, {"_status": 502, "error": "bad gateway"})
    ctx = hook_ctx(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "retry" and (row.next_attempt_at - clock.now()).total_seconds() == 30
    clock.advance(30)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "retry" and (row.next_attempt_at - clock.now()).total_seconds() == 60
    clock.advance(60)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 3
    answers = [a.answer for a in session.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.id))]
    assert answers[0].startswith("HTTP 503") and answers[1].startswith("HTTP 502") and answers[2].startswith("HTTP 200")
