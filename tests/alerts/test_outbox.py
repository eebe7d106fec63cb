"""The outbox: compare-and-swap claims, claim expiry, attempts limit, drills, fallback after a permanent failure."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from alerts.models import DeliveryAttempt, Notification
from alerts.outbox import backoff_delay, claim_due, release_expired_claims
from alerts.config import AlertsConfig
from alerts.routing import expand_clock_events

from .conftest import drain, insert_case, insert_event, make_ctx, person, robot_channels
from .receivers import SmtpSink


def hook(robots, **extra):
    return {"name": "指挥平台", "kind": "webhook", "url": f"{robots.base}/webhook",
            "secret": robots.settings.webhook_secret, "bodies": ["*"], **extra}


def queued(session, clock, ctx, **event):
    case = insert_case(session, clock.now(), drill=event.pop("drill", False))
    insert_event(session, case, clock.now(), **event)
    expand_clock_events(session, clock.now(), ctx)
    return session.exec(select(Notification)).all()


def test_a_row_claimed_by_one_sender_cannot_be_claimed_by_another(session, clock, robots):
    [row] = queued(session, clock, make_ctx([hook(robots)]))
    a = claim_due(session, clock.now(), channel="指挥平台", limit=10, token="a", claim_timeout=timedelta(minutes=2))
    b = claim_due(session, clock.now(), channel="指挥平台", limit=10, token="b", claim_timeout=timedelta(minutes=2))
    assert [r.id for r in a] == [row.id] and b == []


def test_a_claim_that_expires_is_released_and_taken_over(session, clock, robots):
    queued(session, clock, make_ctx([hook(robots)]))
    claim_due(session, clock.now(), channel="指挥平台", limit=10, token="dead", claim_timeout=timedelta(minutes=2))
    clock.advance(timedelta(minutes=2))
    assert release_expired_claims(session, clock.now()) == 0
    clock.advance(timedelta(seconds=1))
    assert release_expired_claims(session, clock.now()) == 1
    [row] = claim_due(session, clock.now(), channel="指挥平台", limit=10, token="b", claim_timeout=timedelta(minutes=2))
    assert row.claimed_by == "b" and row.attempts == 0


def test_backoff_doubles_up_to_the_cap_and_respects_retry_after():
    cfg = AlertsConfig(backoff="30s", max_backoff="5m")
    assert [backoff_delay(n, cfg).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 300]
    assert backoff_delay(1, cfg, retry_after=600).total_seconds() == 600


def test_after_max_attempts_a_transient_failure_becomes_a_failure(session, engine, clock, robots):
    ctx = make_ctx([hook(robots)], max_attempts=2, backoff="10s")
    robots.script("webhook", {"_status": 503}, {"_status": 503})
    [row] = queued(session, clock, ctx)
    drain(engine, clock, ctx)
    clock.advance(10)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "failed" and row.attempts == 2


def test_drill_messages_are_suppressed_unless_the_channel_takes_drills(session, engine, clock, robots):
    ctx = make_ctx([hook(robots)])
    [row] = queued(session, clock, ctx, drill=True)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "suppressed" and robots.received == []


def test_drill_messages_reach_a_channel_that_accepts_drills(session, engine, clock, robots):
    ctx = make_ctx([hook(robots, accept_drills=True)])
    [row] = queued(session, clock, ctx, drill=True)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "sent" and robots.of("webhook")[0].json["drill"] is True
    assert "演练" in robots.of("webhook")[0].json["text"]


def test_a_permanent_failure_of_a_persons_email_falls_back_to_the_fallback_channel(session, engine, clock, robots):
    sink = SmtpSink().start()
    try:
        sink.scripted = ["550 5.1.1 mailbox unavailable"]
        email = {"name": "值班邮箱", "kind": "email", "host": "127.0.0.1", "port": sink.port, "security": "none",
                 "sender": "yuqing@example.gov.cn", "people": True}
        ctx = make_ctx([email, hook(robots, bodies=[])], fallback_channel="指挥平台")
        queued(session, clock, ctx, recipients=[person("李联络", email="li@example.gov.cn")])
        drain(engine, clock, ctx)
    finally:
        sink.stop()
    rows = {r.channel: r for r in session.exec(select(Notification))}
    assert rows["值班邮箱"].status == "failed" and "550" in rows["值班邮箱"].last_error
    assert rows["指挥平台"].status == "sent" and rows["指挥平台"].recipient == "李联络"
    assert rows["指挥平台"].key == rows["值班邮箱"].key + ">指挥平台"
    [got] = robots.of("webhook")
    assert got.json["subject"].startswith("【经备用通道】")


def test_a_sent_row_is_never_claimed_again(session, engine, clock, robots):
    ctx = make_ctx([hook(robots)])
    [row] = queued(session, clock, ctx)
    drain(engine, clock, ctx)
    clock.advance(timedelta(days=1))
    drain(engine, clock, ctx)
    assert len(robots.received) == 1
    assert len(session.exec(select(DeliveryAttempt)).all()) == 1


def test_a_row_of_a_channel_removed_from_the_config_fails_visibly(session, engine, clock, robots):
    queued(session, clock, make_ctx([hook(robots)]))
    other = make_ctx([c for c in robot_channels(robots) if c["kind"] == "wecom"])
    drain(engine, clock, other)
    row = session.exec(select(Notification)).one()
    assert row.status == "failed" and "not configured" in row.last_error


def test_a_drill_row_queued_after_the_sweep_is_still_not_sent(session, engine, clock, robots):
    import asyncio

    from .conftest import make_sender
    ctx = make_ctx([hook(robots)])
    sender = make_sender(engine, clock, ctx)

    async def two_passes():
        sender.step()                                   # the sweep for drill rows runs here, on an empty outbox
        queued(session, clock, ctx, drill=True)
        sender.step()
        await sender.aclose()
    asyncio.run(two_passes())
    assert robots.received == []
    assert session.exec(select(Notification)).one().status == "pending"


def test_the_claim_timeout_is_real_time_on_a_drill_clock(engine):
    from yuqing.clock import ScaledClock

    from .conftest import make_ctx, make_sender

    ctx = make_ctx([])
    sender = make_sender(engine, ScaledClock(3600), ctx)
    # Two minutes of real time are 120 clock hours at --speed 3600.
    assert sender._claim_span().total_seconds() == ctx.alerts.claim_timeout.total_seconds() * 3600
