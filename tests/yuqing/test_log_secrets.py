"""No credential in any log line: a full send through every robot channel, logged at DEBUG, as a real process."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.alerts.receivers import RobotServer, RobotSettings
from yuqing import logsecrets

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = RobotSettings(wecom_key="wk-7f3a9c2e", dingtalk_token="dt-51be0d77", dingtalk_secret="SECds-90ac41f2",
                         feishu_hook="fh-c0ffee42", feishu_secret="fs-8d1e6b55", webhook_secret="whs-3a7c19e0")
SECRETS = ("wk-7f3a9c2e", "dt-51be0d77", "SECds-90ac41f2", "fh-c0ffee42", "fs-8d1e6b55", "whs-3a7c19e0")


@pytest.fixture
def robots():
    server = RobotServer(SETTINGS).start()
    yield server
    server.stop()


def write_config(tmp_path: Path, robots) -> Path:
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('include = "directory/shanxi.toml"', f'include = "{ROOT / "directory/shanxi.toml"}"')
    base = base.replace('state_dir = "var"', f'state_dir = "{tmp_path}"')
    path = tmp_path / "config.toml"
    path.write_text(base + f'''
[[channels]]
name = "企业微信群"
kind = "wecom"
url = "{robots.base}/wecom/send"
key = {{ env = "T_WECOM_KEY" }}

[[channels]]
name = "钉钉群"
kind = "dingtalk"
url = "{robots.base}/dingtalk/send"
access_token = {{ env = "T_DING_TOKEN" }}
secret = {{ env = "T_DING_SECRET" }}

[[channels]]
name = "飞书群"
kind = "feishu"
url = "{robots.base}/feishu/hook"
hook = {{ env = "T_FEISHU_HOOK" }}
secret = {{ env = "T_FEISHU_SECRET" }}

[[channels]]
name = "指挥平台"
kind = "webhook"
url = "{robots.base}/webhook"
secret = {{ env = "T_WEBHOOK_SECRET" }}
''', encoding="utf-8")
    return path


def test_a_send_through_every_robot_channel_logs_no_secret_at_debug(tmp_path, robots):
    path = write_config(tmp_path, robots)
    env = {"PATH": "/usr/bin:/bin", "T_WECOM_KEY": SECRETS[0], "T_DING_TOKEN": SECRETS[1], "T_DING_SECRET": SECRETS[2],
           "T_FEISHU_HOOK": SECRETS[3], "T_FEISHU_SECRET": SECRETS[4], "T_WEBHOOK_SECRET": SECRETS[5]}
    logs = []
    for channel in ("企业微信群", "钉钉群", "飞书群", "指挥平台"):
        done = subprocess.run([sys.executable, "-m", "yuqing.cli", "--log-level", "DEBUG", "send-test-alert", channel,
                               "--config", str(path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        logs.append(done.stderr)
    assert all(robots.of(kind) for kind in ("wecom", "dingtalk", "feishu", "webhook"))
    text = "\n".join(logs)
    assert text.count("HTTP Request: POST") >= 4, text          # httpx did log each request ...
    for secret in SECRETS:
        assert secret not in text                               # ... but no secret in any line
    for name in ("key", "access_token", "timestamp", "sign"):
        for value in re.findall(rf"[?&]{name}=([^&\s\"]*)", text):
            assert value == logsecrets.MASK, (name, value)
    assert "/feishu/hook/***" in text


def test_a_traceback_and_a_formatted_argument_are_redacted_too(caplog):
    logsecrets.install()
    log = logging.getLogger("tests.logsecrets")
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=c2lnbg%3D%3D"
    with caplog.at_level(logging.DEBUG):
        log.info("posting to %s", url)
        log.warning("a client sent Authorization: Bearer %s", "yq_" + "A1b2C3d4E5f6G7h8I9j0-_kLmN")
        try:
            raise RuntimeError(f"failed for url {url}")
        except RuntimeError:
            log.exception("send failed")
    text = caplog.text
    assert "abc123" not in text and "1700000000000" not in text and "c2lnbg" not in text
    assert "access_token=***" in text and "failed for url" in text
    assert "A1b2C3d4E5f6G7h8" not in text and "Bearer yq_***" in text


def test_a_full_daemon_run_that_alerts_every_robot_channel_logs_no_secret(tmp_path, robots, db_url, monkeypatch):
    import time

    import httpx

    from yuqing.cli import main
    from .daemon_process import DaemonProcess, free_port, write_config as daemon_config

    port = free_port()
    channels = "".join(f'''
[[channels]]
name = "{name}"
kind = "{kind}"
url = "{robots.base}/{path}"
bodies = ["*"]
{keys}
''' for name, kind, path, keys in (
        ("企业微信群", "wecom", "wecom/send", 'key = { env = "T_WECOM_KEY" }'),
        ("钉钉群", "dingtalk", "dingtalk/send",
         'access_token = { env = "T_DING_TOKEN" }\nsecret = { env = "T_DING_SECRET" }'),
        ("飞书群", "feishu", "feishu/hook", 'hook = { env = "T_FEISHU_HOOK" }\nsecret = { env = "T_FEISHU_SECRET" }'),
        ("指挥平台", "webhook", "webhook", 'secret = { env = "T_WEBHOOK_SECRET" }'),
    ))
    path = daemon_config(tmp_path / "config.toml", db_url=db_url, port=port, extra=f'''
[log]
level = "DEBUG"
[[sources]]
name = "平台推送"
kind = "push"
[[schemes]]
name = "民生热点"
expression = "(乡宁|临汾)+(爆炸|事故)"
{channels}''')
    env = {"T_WECOM_KEY": SECRETS[0], "T_DING_TOKEN": SECRETS[1], "T_DING_SECRET": SECRETS[2],
           "T_FEISHU_HOOK": SECRETS[3], "T_FEISHU_SECRET": SECRETS[4], "T_WEBHOOK_SECRET": SECRETS[5],
           "PYTHONPATH": str(ROOT)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    password = tmp_path / "pw"
    password.write_text("long enough password", encoding="utf-8")
    assert main(["user", "add", "pusher", "--role", "officer", "--password-file", str(password),
                 "--config", str(path)]) == 0
    daemon = DaemonProcess(path, port, env=env)
    try:
        daemon.wait_ready()
        with_token = subprocess.run([sys.executable, "-m", "yuqing.cli", "user", "token", "pusher", "--config", str(path)],
                                    capture_output=True, text=True, cwd=ROOT, timeout=60, env={**env, "PATH": "/usr/bin:/bin"})
        token = with_token.stdout.strip().splitlines()[-1]
        answer = httpx.post(f"{daemon.url}/api/items", headers={"Authorization": f"Bearer {token}"}, timeout=30, json={
            "id": "mine-1", "source": "临汾新闻网", "title": "乡宁县一煤矿发生瓦斯爆炸事故 已致3人遇难",
            "text": "记者从乡宁县应急管理局获悉，乡宁县岭东煤业有限公司井下发生瓦斯爆炸事故，已致3人遇难，另有多人受伤，救援正在进行。"})
        assert answer.status_code == 200 and answer.json()["cases"] == 1, answer.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(robots.of(k) for k in ("wecom", "dingtalk", "feishu", "webhook")):
            time.sleep(0.2)
        assert all(robots.of(k) for k in ("wecom", "dingtalk", "feishu", "webhook")), daemon.log()[-3000:]
        time.sleep(0.5)
        text = daemon.log()
    finally:
        daemon.stop()
    assert text.count("HTTP Request: POST") >= 4, text[-3000:]
    for secret in SECRETS + (token[3:],):
        assert secret not in text
    for name in ("key", "access_token", "timestamp", "sign"):
        for value in re.findall(rf"[?&]{name}=([^&\s\"]*)", text):
            assert value == logsecrets.MASK, (name, value)
