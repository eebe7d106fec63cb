"""`yuqing send-test-alert CHANNEL` against the loopback robots, as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, robots, *, key: str) -> Path:
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('include = "directory/shanxi.toml"', f'include = "{ROOT / "directory/shanxi.toml"}"')
    base = base.replace('state_dir = "var"', f'state_dir = "{tmp_path}"')
    path = tmp_path / "config.toml"
    path.write_text(base + f'''
[[channels]]
name = "值班群"
kind = "wecom"
url = "{robots.base}/wecom/send"
key = {{ env = "TEST_WECOM_KEY" }}
''', encoding="utf-8")
    return path


def run(path: Path, channel: str, key: str):
    env = {"TEST_WECOM_KEY": key, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "yuqing.cli", "send-test-alert", channel, "--config", str(path)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_it_prints_the_receivers_answer_and_exits_0(tmp_path, robots):
    done = run(write_config(tmp_path, robots, key="wecom-key"), "值班群", "wecom-key")
    assert done.returncode == 0, done.stderr
    assert '"errcode": 0' in done.stdout
    [got] = robots.of("wecom")
    assert "测试消息" in got.json["markdown"]["content"]


def test_a_refusal_prints_the_answer_and_exits_1(tmp_path, robots):
    done = run(write_config(tmp_path, robots, key="x"), "值班群", "bad-key")
    assert done.returncode == 1
    assert "93000" in done.stdout and "permanent" in done.stdout


def test_an_unknown_channel_exits_2_naming_the_configured_ones(tmp_path, robots):
    done = run(write_config(tmp_path, robots, key="x"), "没有这个群", "x")
    assert done.returncode == 2 and "值班群" in done.stderr
