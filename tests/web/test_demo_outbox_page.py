"""Issue 15.5: the demo runs at a pace a person can follow, and its 演练消息 page stays readable."""

from __future__ import annotations

import re

import pytest

from yuqing.demo.config import DemoConfig
from yuqing.demo.deployment import DEFAULT_SPEED
from yuqing.demo.outbox import Outbox
from yuqing.demo.web import PAGE_SIZE


@pytest.fixture
def web_config(example_config, tmp_path):
    return example_config.model_copy(update={"state_dir": str(tmp_path / "state"), "drill": True,
                                             "demo": DemoConfig(outbox="outbox.jsonl", scenario="shanxi")})


def test_the_demo_s_default_pace_gives_a_person_minutes_for_a_5_hour_clock():
    wall_minutes = 5 * 3600 / DEFAULT_SPEED / 60
    assert 3 <= wall_minutes <= 30, wall_minutes


def test_the_outbox_page_is_paginated_newest_first_and_wraps_bodies(runtime, users, browser, clock):
    outbox = Outbox(runtime.config.state_path() / "outbox.jsonl", now=clock.now)
    for n in range(PAGE_SIZE + 7):
        outbox.record(channel="webhook", to=["接口推送"], subject=f"【演练】【提醒】消息{n:03d}",
                      body="【演练】" + "很长的一行" * 400 + f" https://example.org/{'x' * 300}")
    b = browser("officer")
    first = b.get("/demo/outbox").text
    assert first.count("<tr class=\"kind-") == PAGE_SIZE
    assert f"消息{PAGE_SIZE + 6:03d}" in first and "消息000" not in first          # newest first
    assert "第 1 / 2 页" in first and "page=2" in first
    second = b.get("/demo/outbox?page=2").text
    assert second.count("<tr class=\"kind-") == 7 and "消息000" in second
    css = b.get("/static/app.css").text
    rule = re.search(r"pre\.message\s*\{([^}]*)\}", css)
    assert rule and "pre-wrap" in rule.group(1) and "anywhere" in rule.group(1)
