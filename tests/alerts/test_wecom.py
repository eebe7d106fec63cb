"""WeCom group robot against a local receiver that checks key, body shape and the 20/min limit."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlmodel import select

from alerts.models import DeliveryAttempt, Notification
from alerts.routing import expand_clock_events

from .conftest import drain, insert_case, insert_event, make_ctx, make_sender, person, robot_channels


def wecom_only(robots, **extra):
    return make_ctx([c for c in robot_channels(robots, wecom=extra) if c["kind"] == "wecom"])


def test_it_delivers_a_markdown_message_mentioning_people_by_wecom_id(session, engine, clock, robots):
    ctx = wecom_only(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), recipients=[person("李联络", mobile="13800000001", wecom="lilianluo")])
    expand_clock_events(session, clock.now(), ctx)
    assert drain(engine, clock, ctx) == 1
    [got] = robots.of("wecom")
    assert got.json["msgtype"] == "markdown"
    content = got.json["markdown"]["content"]
    assert "<@lilianluo>" in content
    assert f"http://127.0.0.1:8080/cases/{case.id}" in content
    row = session.exec(select(Notification)).one()
    session.refresh(row)
    assert row.status == "sent"
    attempt = session.exec(select(DeliveryAttempt)).one()
    assert attempt.ok and '"errcode": 0' in attempt.answer


def test_it_sends_text_with_mobile_mentions_when_people_have_only_a_mobile(session, engine, clock, robots):
    ctx = wecom_only(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), recipients=[person("王承办", mobile="13800000002")])
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    [got] = robots.of("wecom")
    assert got.json["msgtype"] == "text"
    assert got.json["text"]["mentioned_mobile_list"] == ["13800000002"]


def test_a_bad_key_fails_permanently_with_the_robots_answer(session, engine, clock, robots):
    ctx = wecom_only(robots, key="wrong-key")
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "failed"
    assert "93000" in row.last_error
    attempt = session.exec(select(DeliveryAttempt)).one()
    assert attempt.permanent and "invalid webhook url" in attempt.answer


def test_a_rate_limit_answer_is_retried_later_not_dropped(session, engine, clock, robots):
    ctx = wecom_only(robots)
    robots.script("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"})
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "retry" and row.attempts == 1
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=60)
    clock.advance(61)
    drain(engine, clock, ctx)
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 2
    assert len(robots.of("wecom")) == 1


def test_the_sender_keeps_twenty_a_minute_by_queueing(session, engine, clock, robots):
    """25 messages with the published 20/min limit scaled to 20 per 1.5 s: the receiver never refuses one."""
    robots.settings.minute = 1.5
    ctx = make_ctx([{**robot_channels(robots)[0], "rate_limits": [{"count": 20, "per": "1.5s"}]}])
    case = insert_case(session, clock.now())
    for i in range(25):
        insert_event(session, case, clock.now(), kind="reminder", step_id=None, title=f"消息{i}")
    expand_clock_events(session, clock.now(), ctx)
    sender = make_sender(engine, clock, ctx)

    async def until_done():
        t_end = time.monotonic() + 30
        while len(robots.of("wecom")) < 25 and time.monotonic() < t_end:
            await sender.drain(max_seconds=1)
            await asyncio.sleep(0.05)
    asyncio.run(until_done())
    assert len(robots.of("wecom")) == 25
    assert all(r.answer["errcode"] == 0 for r in robots.received)


def test_a_restarted_sender_remembers_the_last_minute_of_sends(session, engine, clock, robots):
    """Three a minute: a first sender sends three; a new sender (a restart) must wait for the window."""
    ctx = make_ctx([{**robot_channels(robots)[0], "rate_limits": [{"count": 3, "per": "1m"}]}])
    case = insert_case(session, clock.now())
    for i in range(4):
        insert_event(session, case, clock.now(), kind="reminder", title=f"消息{i}")
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    assert len(robots.of("wecom")) == 3
    clock.advance(30)
    drain(engine, clock, ctx)                     # a new Sender: its limiter is seeded from the attempt log
    assert len(robots.of("wecom")) == 3
    assert session.exec(select(Notification).where(Notification.status == "pending")).one()
