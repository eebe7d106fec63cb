"""The daemon's alert jobs: a clock event becomes outbox rows (expand job) and reaches its receiver (send job)."""

from __future__ import annotations

import asyncio

from pydantic import TypeAdapter
from sqlmodel import select

from alerts.config import ChannelConfig
from alerts.models import Notification
from responders.models import ClockEvent
from yuqing.jobs import alert_jobs
from yuqing.runtime import Runtime

from tests.alerts.conftest import insert_case, insert_event, person, robot_channels, robots  # noqa: F401 (fixture)


def test_the_expand_and_send_jobs_deliver_a_clock_event(example_config, engine, session, clock, robots):
    channels = TypeAdapter(list[ChannelConfig]).validate_python(
        [c for c in robot_channels(robots) if c["kind"] in ("dingtalk", "webhook")])
    config = example_config.model_copy(update={"channels": channels})
    runtime = Runtime(config, clock, engine=engine)
    expand, send = alert_jobs(runtime)
    assert (expand.name, send.name) == ("alerts-expand", "alerts-send")

    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), kind="opened", recipients=[person("李联络", mobile="13800000001")])

    async def tick():
        await expand.func(runtime)
        await send.func(runtime)
    asyncio.run(tick())

    assert session.exec(select(ClockEvent)).one().processed_at is not None
    statuses = {r.channel: r.status for r in session.exec(select(Notification))}
    assert statuses == {"太谷应急钉钉群": "sent", "指挥平台": "sent"}
    assert robots.of("dingtalk")[0].json["at"]["atMobiles"] == ["13800000001"]
    assert f"{config.web.base_url}/cases/{case.id}" in robots.of("webhook")[0].json["text"]
