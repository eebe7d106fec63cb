"""DingTalk custom robot (加签) against a local receiver that checks token, signature, timestamp and keyword."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time

import httpx
import pytest
from sqlmodel import select

from alerts.channels import Mentions, Message
from alerts.channels.dingtalk import Dingtalk, dingtalk_sign
from alerts.config import DingtalkConfig
from alerts.errors import ChannelError
from alerts.models import DeliveryAttempt, Notification
from alerts.routing import expand_clock_events

from .conftest import drain, insert_case, insert_event, make_ctx, person, robot_channels


def ding_ctx(robots, **extra):
    return make_ctx([c for c in robot_channels(robots, dingtalk=extra) if c["kind"] == "dingtalk"])


def test_the_signature_is_base64_hmac_sha256_of_timestamp_and_secret():
    # Computed independently: HMAC-SHA256(key=secret, msg="1700000000000\nSECabc").
    expected = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()).decode()
    assert dingtalk_sign(1700000000000, "SECabc") == expected


def test_it_delivers_signed_markdown_that_mentions_the_body_by_mobile(session, engine, clock, robots):
    ctx = ding_ctx(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), kind="reminder", recipients=[
        person("张负责", mobile="13900000001", role="head"),
        person("他部门", body=("山西省晋中市太谷区", "education"), mobile="13900000009"),
    ])
    expand_clock_events(session, clock.now(), ctx)
    assert drain(engine, clock, ctx) == 1
    [got] = robots.of("dingtalk")
    assert got.json["at"]["atMobiles"] == ["13900000001"]
    assert "@13900000001" in got.json["markdown"]["text"]
    assert "13900000009" not in got.json["markdown"]["text"]
    assert got.json["markdown"]["title"].startswith("【提醒】")


def test_a_wrong_secret_is_a_permanent_failure_recorded_with_the_answer(session, engine, clock, robots):
    ctx = ding_ctx(robots, secret="SECnot-the-secret")
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "failed" and "310000" in row.last_error
    assert "sign not match" in session.exec(select(DeliveryAttempt)).one().answer


def test_a_stale_timestamp_is_refused_by_the_receiver(robots):
    config = ding_ctx(robots).channels[0]

    async def send():
        async with httpx.AsyncClient() as http:
            channel = Dingtalk(config, http=http, wall=lambda: time.time() - 2 * 3600)
            return await channel.send(Message(key="k", kind="other", subject="s", body="b"))
    with pytest.raises(ChannelError) as refused:
        asyncio.run(send())
    assert refused.value.permanent and "invalid timestamp" in refused.value.answer


def test_the_robot_keyword_is_added_when_the_message_lacks_it(session, engine, clock, robots):
    robots.settings.dingtalk_keyword = "舆情"
    ctx = ding_ctx(robots, keyword="舆情")
    case = insert_case(session, clock.now(), title="太谷区某厂爆炸")
    insert_event(session, case, clock.now(), kind="confirmed")
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    assert len(robots.of("dingtalk")) == 1


def test_too_fast_is_transient_and_holds_the_channel_back(session, engine, clock, robots):
    robots.script("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    ctx = ding_ctx(robots)
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "retry"
    assert (row.next_attempt_at - clock.now()).total_seconds() >= 600   # DingTalk throttles for 10 minutes


def test_mentions_survive_when_a_long_body_is_cut():
    cfg = DingtalkConfig(name="d", kind="dingtalk", access_token="t", secret=None)
    channel = Dingtalk(cfg, wall=time.time)
    body = channel.payload(Message(key="k", kind="other", subject="s", body="长" * 20000,
                                   mentions=Mentions(mobiles=("13900000001",))))
    text = body["markdown"]["text"]
    assert len(text.encode()) <= 18000 and text.endswith("@13900000001") and "已截断" in text
