"""The demo's local sinks: the product's real alert channels deliver to them, bad requests are refused
the way the real robots refuse them, and the outbox records what arrived (real SMTP and HTTP on loopback)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from alerts.channels import Mentions, Message, build_channels
from yuqing.config import load_config
from yuqing.demo.deployment import DemoSecrets, demo_config_text, repository_directory
from yuqing.demo.outbox import Outbox, classify_message
from yuqing.demo.player import FeedPlayer
from yuqing.demo.scenario import load_scenario
from yuqing.demo.server import Upstream, bind_loopback, build_upstream_app
from yuqing.demo.sinks import dingtalk_sign, feishu_sign


def run_with_upstream(tmp_path: Path, clock, body):
    """Start the feed server and sinks, write and load the demo config, run `body(config, upstream, outbox)`."""
    secrets_ = DemoSecrets()
    scenario = load_scenario("shanxi")

    async def main():
        http_sock, smtp_sock = bind_loopback(), bind_loopback()
        feeds_url = f"http://127.0.0.1:{http_sock.getsockname()[1]}"
        path = tmp_path / "config.toml"
        path.write_text(demo_config_text(scenario=scenario, state_dir=tmp_path, web_port=18080, feeds_url=feeds_url,
                                         smtp_port=smtp_sock.getsockname()[1], secrets_=secrets_,
                                         directory=repository_directory()), encoding="utf-8")
        config = load_config(path, environ={})
        outbox = Outbox(tmp_path / config.demo.outbox, now=clock.now)
        player = FeedPlayer(scenario, origin=clock.now(), base_url=feeds_url)
        app = build_upstream_app(player, outbox, secrets_.accounts(), now=clock.now)
        upstream = await Upstream.start(app, outbox, http_sock=http_sock, smtp_sock=smtp_sock)
        try:
            return await body(config, upstream, outbox, secrets_)
        finally:
            await upstream.stop()

    return asyncio.run(main())


def _message(kind: str, case_id: int, *, to=()) -> Message:
    return Message(key=f"{case_id}:first_release:{kind}:p:c", kind=kind, subject=f"【演练】【提醒】乡宁煤矿 {kind}",
                   body=f"**【演练】本消息为演练** 案件 http://127.0.0.1:18080/cases/{case_id}",
                   text=f"【演练】本消息为演练 案件 http://127.0.0.1:18080/cases/{case_id}", case_id=case_id,
                   case_url=f"http://127.0.0.1:18080/cases/{case_id}", to=tuple(to),
                   mentions=Mentions(mobiles=("13800000001",)), drill=True, severity="major_emergency")


def test_every_channel_of_the_demo_config_delivers_to_its_sink(tmp_path, clock):
    async def body(config, upstream, outbox, secrets_):
        kinds = {"email": "opened", "wecom": "reminder", "dingtalk": "leader", "feishu": "overdue", "webhook": "confirmed"}
        async with httpx.AsyncClient() as http:
            channels = build_channels(config.channels, http=http, wall=time.time)
            answers = {}
            for n, channel in enumerate(channels.values(), start=1):
                to = ("liaison@example.org",) if channel.kind == "email" else ()
                answers[channel.name] = await channel.send(_message(kinds[channel.kind], n, to=to))
        return channels, answers

    channels, answers = run_with_upstream(tmp_path, clock, body)
    assert {c.kind for c in channels.values()} == {"email", "wecom", "dingtalk", "feishu", "webhook"}
    records = Outbox(tmp_path / "outbox.jsonl", now=clock.now).read()
    assert len(records) == len(channels)
    by_channel = {r["channel"]: r for r in records}
    assert set(by_channel) == {"email", "wecom", "dingtalk", "feishu", "webhook"}
    for n, (name, channel) in enumerate(channels.items(), start=1):
        record = [r for r in records if r["case_id"] == str(n)]
        assert len(record) == 1, name
        assert record[0]["channel"] == channel.kind
    assert by_channel["email"]["to"] == ["liaison@example.org"]
    assert by_channel["email"]["kind"] == "opened" and by_channel["dingtalk"]["kind"] == "leader"
    assert by_channel["feishu"]["kind"] == "overdue" and by_channel["webhook"]["kind"] == "confirmed"
    assert "@13800000001" in by_channel["dingtalk"]["to"]
    assert all(r["drill"] for r in records)
    assert all(r["received_at"] == clock.now().isoformat() for r in records)


def test_the_robot_sinks_refuse_what_the_real_robots_refuse(tmp_path, clock):
    async def body(config, upstream, outbox, secrets_):
        base = upstream.base_url
        out = {}
        async with httpx.AsyncClient() as c:
            ok_json = {"msgtype": "text", "text": {"content": "x"}}
            out["wecom-key"] = (await c.post(f"{base}/cgi-bin/webhook/send", params={"key": "wrong"}, json=ok_json)).json()
            out["wecom-empty"] = (await c.post(f"{base}/cgi-bin/webhook/send", params={"key": secrets_.wecom_key},
                                               json={"msgtype": "text", "text": {"content": " "}})).json()
            stale = int((time.time() - 7200) * 1000)
            out["dingtalk-stale"] = (await c.post(f"{base}/robot/send", params={
                "access_token": secrets_.dingtalk_token, "timestamp": stale,
                "sign": dingtalk_sign(secrets_.dingtalk_secret, stale)}, json=ok_json)).json()
            now_ms = int(time.time() * 1000)
            out["dingtalk-sign"] = (await c.post(f"{base}/robot/send", params={
                "access_token": secrets_.dingtalk_token, "timestamp": now_ms,
                "sign": dingtalk_sign("SECwrong", now_ms)}, json=ok_json)).json()
            out["dingtalk-token"] = (await c.post(f"{base}/robot/send", params={"access_token": "nope"}, json=ok_json)).json()
            ts = int(time.time())
            out["feishu-sign"] = (await c.post(f"{base}/open-apis/bot/v2/hook/{secrets_.feishu_hook}", json={
                "timestamp": str(ts), "sign": feishu_sign("wrong", ts), "msg_type": "text",
                "content": {"text": "x"}})).json()
            out["feishu-big"] = (await c.post(f"{base}/open-apis/bot/v2/hook/{secrets_.feishu_hook}", json={
                "timestamp": str(ts), "sign": feishu_sign(secrets_.feishu_secret, ts), "msg_type": "text",
                "content": {"text": "长" * 8000}})).json()
            out["feishu-hook"] = (await c.post(f"{base}/open-apis/bot/v2/hook/nope", json={})).json()
            r = await c.post(f"{base}/webhook/yuqing", content=b'{"text": "x"}',
                             headers={"X-Yuqing-Signature": f"t={ts},v1=00"})
            out["webhook-sign"] = r.status_code
            out["not-json"] = (await c.post(f"{base}/cgi-bin/webhook/send", params={"key": secrets_.wecom_key},
                                            content=b"\xff\xfe<html>")).json()
        return out

    out = run_with_upstream(tmp_path, clock, body)
    assert out["wecom-key"]["errcode"] == 93000
    assert out["wecom-empty"]["errcode"] == 44004
    assert out["dingtalk-stale"]["errcode"] == 310000
    assert out["dingtalk-sign"]["errcode"] == 310000
    assert out["dingtalk-token"]["errcode"] == 300001
    assert out["feishu-sign"]["code"] == 19021
    assert out["feishu-big"]["code"] == 9499
    assert out["feishu-hook"]["code"] == 19001
    assert out["webhook-sign"] == 401
    assert out["not-json"]["errcode"] == 40008
    assert Outbox(tmp_path / "outbox.jsonl", now=clock.now).read() == []      # nothing refused is recorded


def test_the_feed_server_answers_conditional_gets_and_hides_future_articles(tmp_path, clock):
    async def body(config, upstream, outbox, secrets_):
        base = upstream.base_url
        async with httpx.AsyncClient() as c:
            first = await c.get(f"{base}/feeds/linfen.xml")
            again = await c.get(f"{base}/feeds/linfen.xml", headers={"If-None-Match": first.headers["etag"]})
            future = await c.get(f"{base}/items/mine-02")
            clock.advance(timedelta(hours=1))
            changed = await c.get(f"{base}/feeds/linfen.xml", headers={"If-None-Match": first.headers["etag"]})
            page = await c.get(f"{base}/items/mine-02")
            missing = await c.get(f"{base}/feeds/nope.xml")
            index = (await c.get(f"{base}/")).json()
        return first, again, future, changed, page, missing, index, config

    first, again, future, changed, page, missing, index, config = run_with_upstream(tmp_path, clock, body)
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/rss+xml")
    assert again.status_code == 304
    assert future.status_code == 404
    assert changed.status_code == 200 and "mine-02" in changed.text
    assert page.status_code == 200 and "瓦斯爆炸" in page.text
    assert missing.status_code == 404
    assert index["shown"] >= 2 and {f["id"] for f in index["feeds"]} >= {"linfen", "weibo"}
    # The generated config's sources point at this server: one per feed, the search one with its field map.
    kinds = sorted(s.kind for s in config.sources)
    assert kinds.count("feed") == 5 and kinds.count("search") == 1
    assert config.drill is True and config.alerts.deliver_drills is True


@pytest.mark.parametrize("subject, body, hints, expected", [
    pytest.param("【演练】【提醒】乡宁：距回应时限剩余 2小时", "案件 http://h/cases/12", {}, ("12", "reminder"), id="reminder"),
    pytest.param("【升级】乡宁：请分管负责同志督办", "（编号 7）", {}, ("7", "leader"), id="leader-by-number"),
    pytest.param("【已超时】乡宁", "", {}, (None, "overdue"), id="overdue-no-case"),
    pytest.param("【已回应】乡宁", "/cases/3", {}, ("3", "confirmed"), id="confirmed"),
    pytest.param("【重大突发事件】新舆情案件：乡宁", "/cases/3", {}, ("3", "opened"), id="opened"),
    pytest.param(None, "**【提醒】** x", {"case_hint": "9", "kind_hint": "follow_up"}, ("9", "reminder"), id="hints-win"),
    pytest.param("【信息源异常】山西新闻网", "", {"kind_hint": "source_down"}, (None, "other"), id="source-down"),
    pytest.param("随便", "", {}, (None, "other"), id="unknown"),
])
def test_the_outbox_reads_case_and_kind_from_headers_or_text(subject, body, hints, expected):
    assert classify_message(subject=subject, body=body, **hints) == expected


def test_the_outbox_skips_a_torn_last_line(tmp_path, clock):
    outbox = Outbox(tmp_path / "o.jsonl", now=clock.now)
    outbox.record(channel="email", to=["a@b"], subject="s", body="b\r\n")
    with (tmp_path / "o.jsonl").open("a") as f:
        f.write('{"channel": "em')
    records = outbox.read()
    assert len(records) == 1 and records[0]["body"] == "b"
    assert json.loads((tmp_path / "o.jsonl").read_text().splitlines()[0])["kind"] == "other"


def test_the_demo_config_has_a_push_source_so_items_can_be_pushed(tmp_path, clock):
    """Issue 15.10: `POST /api/items` answers 409 without an enabled push source."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from monitor.polling import sync_sources
    from yuqing.demo.deployment import DEMO_PUSH_SOURCE
    from yuqing.runtime import Runtime
    from yuqing.tables import User
    from yuqing.web import create_app
    from yuqing.web.accounts import hash_password, issue_token

    path = tmp_path / "config.toml"
    path.write_text(demo_config_text(scenario=load_scenario("shanxi"), state_dir=tmp_path, web_port=18080,
                                     feeds_url="http://127.0.0.1:9", smtp_port=9, secrets_=DemoSecrets(),
                                     directory=repository_directory()), encoding="utf-8")
    config = load_config(path, environ={})
    assert [s.name for s in config.sources if s.kind == "push" and s.enabled] == [DEMO_PUSH_SOURCE]
    runtime = Runtime(config, clock)
    from yuqing.db import upgrade
    upgrade(runtime.engine)
    with Session(runtime.engine) as s:
        sync_sources(s, clock.now(), config.sources, base_dir=config.base_dir)
        user = User(username="demo", password_hash=hash_password("x" * 12), role="admin", created_at=clock.now())
        s.add(user)
        s.commit()
        _, token = issue_token(s, clock.now(), user=user, name="demo")
        s.commit()
    api = TestClient(create_app(runtime), base_url="http://testserver")
    answer = api.post("/api/items", headers={"Authorization": f"Bearer {token}"},
                      json=[{"id": "tip-1", "title": "太原市某小区停水三天", "text": "太原市小店区某小区停水三天无人管"}])
    assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
    runtime.engine.dispose()
