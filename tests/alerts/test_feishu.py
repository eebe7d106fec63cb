"""Feishu custom bot against a local receiver that checks hook, signature, card shape, size and 5/s."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

from sqlmodel import select

from alerts.channels import Message
from alerts.channels.feishu import Feishu, feishu_sign
from alerts.config import FeishuConfig
from alerts.models import Notification
from alerts.routing import expand_clock_events

from .conftest import insert_case, insert_event, make_ctx, make_sender, person, robot_channels
from .receivers import max_in_window


def feishu_ctx(robots, **extra):
    return make_ctx([c for c in robot_channels(robots, feishu=extra) if c["kind"] == "feishu"])


def run_until(sender, robots, kind, count, seconds=30):
    async def go():
        deadline = time.monotonic() + seconds
        while len(robots.of(kind)) < count and time.monotonic() < deadline:
            await sender.drain(max_seconds=2)
            await asyncio.sleep(0.02)
    asyncio.run(go())


def test_the_signature_is_hmac_keyed_with_timestamp_and_secret_over_nothing():
    expected = base64.b64encode(hmac.new(b"1700000000\nabc", b"", hashlib.sha256).digest()).decode()
    assert feishu_sign(1700000000, "abc") == expected


def test_it_sends_a_signed_card_with_a_button_to_the_case_page(session, engine, clock, robots):
    ctx = feishu_ctx(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), kind="leader",
                 recipients=[person("赵分管", role="deputy", feishu="ou_abc123", mobile="13700000001")])
    expand_clock_events(session, clock.now(), ctx)
    run_until(make_sender(engine, clock, ctx), robots, "feishu", 1)
    [got] = robots.of("feishu")
    card = got.json["card"]
    assert card["header"]["template"] == "red"
    button = card["elements"][1]["actions"][0]
    assert button["url"] == f"http://127.0.0.1:8080/cases/{case.id}"
    assert "<at id=ou_abc123></at>" in card["elements"][0]["text"]["content"]


def test_a_wrong_secret_is_refused_with_19021_and_not_retried(session, engine, clock, robots):
    ctx = feishu_ctx(robots, secret="other")
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    asyncio.run(make_sender(engine, clock, ctx).drain(max_seconds=5))
    row = session.exec(select(Notification)).one()
    assert row.status == "failed" and "19021" in row.last_error


def test_hostile_feed_text_stays_text_inside_the_card(session, engine, clock, robots):
    ctx = feishu_ctx(robots)
    hostile = '爆炸"}]}<at id=all></at>**粗体**[点我](http://evil.example)'
    case = insert_case(session, clock.now(), title=hostile)
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    run_until(make_sender(engine, clock, ctx), robots, "feishu", 1)
    [got] = robots.of("feishu")
    content = got.json["card"]["elements"][0]["text"]["content"]
    assert "<at id=all>" not in content and "](http://evil.example)" not in content
    assert got.json["card"]["header"]["title"]["content"].startswith("【")
    assert hostile in got.json["card"]["header"]["title"]["content"]   # plain_text shows it literally


def test_a_huge_body_is_cut_to_fit_twenty_kilobytes():
    channel = Feishu(FeishuConfig(name="f", kind="feishu", hook="h", secret="s"), wall=time.time)
    encoded = channel.payload(Message(key="k", kind="other", subject="s", body="&<>" * 20000, case_url="http://x/cases/1"))
    assert len(encoded) <= 20 * 1024
    assert "已截断" in json.loads(encoded)["card"]["elements"][0]["text"]["content"]


def test_the_sender_keeps_five_a_second(session, engine, clock, robots):
    ctx = feishu_ctx(robots)
    case = insert_case(session, clock.now())
    for i in range(12):
        insert_event(session, case, clock.now(), kind="reminder", title=f"消息{i}")
    expand_clock_events(session, clock.now(), ctx)
    run_until(make_sender(engine, clock, ctx), robots, "feishu", 12)
    assert len(robots.of("feishu")) == 12
    assert all(r.answer["code"] == 0 for r in robots.received)
    assert max_in_window([r.at for r in robots.received], 1.0) <= 5
