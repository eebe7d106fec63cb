"""`yuqing drill`: a deployment's config turned into a safe drill, and the TOML writer behind it."""

from __future__ import annotations

import asyncio
import time
import tomllib
from pathlib import Path

import httpx

from alerts.channels import Mentions, Message, build_channels
from yuqing.config import load_config
from yuqing.demo.drill import drill_config_data, dump_toml
from yuqing.demo.outbox import Outbox
from yuqing.demo.scenario import load_scenario
from yuqing.demo.server import Upstream, bind_loopback, build_upstream_app

ROOT = Path(__file__).resolve().parents[2]

DEPLOYMENT = f'''
state_dir = "var"
[storage]
url = "postgresql+psycopg://yuqing@db.example.gov.cn/yuqing"
[web]
host = "0.0.0.0"
port = 8080
base_url = "https://yuqing.example.gov.cn"
[directory]
include = "{ROOT / 'directory' / 'shanxi.toml'}"
[alerts]
fallback_channel = "值班邮箱"
[[sources]]
name = "真实信息源"
kind = "feed"
url = "https://news.example.gov.cn/rss"
[[schemes]]
name = "本地方案"
expression = "(太原|晋中)+(停水|停暖)"
[[channels]]
name = "值班邮箱"
kind = "email"
host = "smtp.example.gov.cn"
port = 465
security = "tls"
username = "yuqing"
password = "real-smtp-password"
sender = "舆情值班 <yuqing@example.gov.cn>"
people = true
[[channels]]
name = "应急群"
kind = "dingtalk"
access_token = "real-dingtalk-token"
secret = "SECreal-dingtalk-secret"
bodies = ["山西省临汾市乡宁县/*"]
[[channels]]
name = "市级群"
kind = "feishu"
hook = "real-feishu-hook"
secret = "real-feishu-secret"
bodies = ["*"]
[[channels]]
name = "值班群"
kind = "wecom"
key = "real-wecom-key"
[[channels]]
name = "指挥平台"
kind = "webhook"
url = "https://ops.example.gov.cn/hooks/yuqing"
secret = "real-webhook-secret"
'''
REAL_SECRETS = ("real-smtp-password", "real-dingtalk-token", "real-dingtalk-secret", "real-feishu-hook",
                "real-feishu-secret", "real-wecom-key", "real-webhook-secret", "example.gov.cn/hooks")


def _drill(tmp_path: Path, *, real_channels: bool = False, feeds_url="http://127.0.0.1:9", smtp_port=25):
    deployment = tmp_path / "config.toml"
    deployment.write_text(DEPLOYMENT, encoding="utf-8")
    state = tmp_path / "drill"
    data, accounts = drill_config_data(deployment, scenario=load_scenario("shanxi"), state_dir=state, web_port=18081,
                                       feeds_url=feeds_url, smtp_port=smtp_port, real_channels=real_channels)
    text = dump_toml(data)
    path = state / "config.toml"
    state.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_config(path, environ={}), text, accounts


def test_toml_written_by_dump_toml_reads_back_the_same():
    data = {"a": 1, "b": "引号\"与\n换行", "flag": True, "nested": {"x": [1, 2], "deeper": {"k": "v"}},
            "tables": [{"name": "一", "fields": {"id": "x.y"}}, {"name": "二"}], "中文键": 1.5}
    assert tomllib.loads(dump_toml(data)) == data


def test_a_drill_runs_on_its_own_database_and_sources_and_marks_everything_as_drill(tmp_path):
    config, text, _ = _drill(tmp_path)
    assert config.drill is True
    assert config.database_url() == f"sqlite:///{tmp_path / 'drill' / 'yuqing.db'}"
    assert (config.web.host, config.web.port) == ("127.0.0.1", 18081)
    assert [s.name for s in config.sources] and all(s.url.startswith("http://127.0.0.1:9/") for s in config.sources)
    names = [s.name for s in config.schemes]
    assert "本地方案" in names and any(n.startswith("演练·") for n in names)
    assert config.demo is not None and config.demo.outbox == "outbox.jsonl"
    assert config.demo.open_outbox is False      # the real directory's people: the JSON outbox needs a token


def test_a_drill_mirrors_every_channel_to_a_local_sink_and_keeps_no_real_secret(tmp_path):
    config, text, accounts = _drill(tmp_path, smtp_port=2525)
    assert not any(secret in text for secret in REAL_SECRETS)
    by_kind = {c.kind: c for c in config.channels}
    assert set(by_kind) == {"email", "dingtalk", "feishu", "wecom", "webhook"}
    assert all(c.name.startswith("演练·") and c.accept_drills for c in config.channels)
    assert (by_kind["email"].host, by_kind["email"].port, by_kind["email"].security) == ("127.0.0.1", 2525, "none")
    assert by_kind["email"].people is True
    assert by_kind["dingtalk"].bodies == ["山西省临汾市乡宁县/*"]
    assert all(c.url.startswith("http://127.0.0.1:9/") for c in config.channels if c.kind != "email")
    assert config.alerts.fallback_channel == "演练·值班邮箱"
    assert len(accounts.dingtalk) == len(accounts.feishu) == len(accounts.wecom) == 1


def test_with_real_channels_the_configured_ones_stay_and_drills_are_refused_unless_accepted(tmp_path):
    config, text, _ = _drill(tmp_path, real_channels=True)
    assert [c.name for c in config.channels] == ["值班邮箱", "应急群", "市级群", "值班群", "指挥平台"]
    assert config.alerts.deliver_drills is False
    assert all(c.accept_drills is None for c in config.channels)


def test_mirrored_channels_deliver_to_the_sinks_with_their_own_signatures(tmp_path, clock):
    async def main():
        http_sock, smtp_sock = bind_loopback(), bind_loopback()
        feeds_url = f"http://127.0.0.1:{http_sock.getsockname()[1]}"
        config, _, accounts = _drill(tmp_path, feeds_url=feeds_url, smtp_port=smtp_sock.getsockname()[1])
        outbox = Outbox(tmp_path / "outbox.jsonl", now=clock.now)
        upstream = await Upstream.start(build_upstream_app(None, outbox, accounts, now=clock.now), outbox,
                                        http_sock=http_sock, smtp_sock=smtp_sock)
        try:
            async with httpx.AsyncClient() as http:
                for n, channel in enumerate(build_channels(config.channels, http=http, wall=time.time).values(), 1):
                    await channel.send(Message(
                        key=f"k{n}", kind="overdue", subject="【演练】【已超时】样例", body="【演练】已超时", text="【演练】已超时",
                        case_id=n, to=("officer@example.org",) if channel.kind == "email" else (),
                        mentions=Mentions(mobiles=("13800000002",)), drill=True))
        finally:
            await upstream.stop()
        return outbox.read()

    records = asyncio.run(main())
    assert sorted(r["channel"] for r in records) == ["dingtalk", "email", "feishu", "webhook", "wecom"]
    assert all(r["kind"] == "overdue" and r["drill"] for r in records)
