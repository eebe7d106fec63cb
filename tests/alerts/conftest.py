"""Fixtures of the alerts tests: real loopback receivers, config builders, case and clock-event rows."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest
from pydantic import TypeAdapter

from alerts.config import AlertsConfig, ChannelConfig
from alerts.render import Renderer
from alerts.routing import RoutingContext
from alerts.sender import Sender
from responders.models import Case, ClockEvent

from .receivers import RobotServer, RobotSettings

BASE_URL = "http://127.0.0.1:8080"


@pytest.fixture
def robots():
    server = RobotServer(RobotSettings()).start()
    yield server
    server.stop()


def make_ctx(channels: list[dict], *, templates_dir=None, **alerts) -> RoutingContext:
    """Return a RoutingContext from channel tables and [alerts] keys, validated like config.toml."""
    configs = TypeAdapter(list[ChannelConfig]).validate_python(channels)
    return RoutingContext(alerts=AlertsConfig(**alerts), channels=tuple(configs), renderer=Renderer(templates_dir),
                          base_url=BASE_URL)


def robot_channels(robots: RobotServer, **overrides) -> list[dict]:
    """Return one channel of each robot kind pointing at `robots`, with the receiver's secrets."""
    s = robots.settings
    channels = [
        {"name": "值班企业微信群", "kind": "wecom", "url": f"{robots.base}/wecom/send", "key": s.wecom_key,
         "bodies": ["*"]},
        {"name": "太谷应急钉钉群", "kind": "dingtalk", "url": f"{robots.base}/dingtalk/send",
         "access_token": s.dingtalk_token, "secret": s.dingtalk_secret, "bodies": ["山西省晋中市太谷区/emergency"]},
        {"name": "省应急飞书群", "kind": "feishu", "url": f"{robots.base}/feishu/hook", "hook": s.feishu_hook,
         "secret": s.feishu_secret, "bodies": ["山西省晋中市太谷区/*"]},
        {"name": "指挥平台", "kind": "webhook", "url": f"{robots.base}/webhook", "secret": s.webhook_secret,
         "bodies": ["*"]},
    ]
    for c in channels:
        c.update(overrides.get(c["kind"], {}))
    return channels


def person(name: str, *, body=("山西省晋中市太谷区", "emergency"), email=None, mobile=None, role="liaison", **ids) -> dict:
    return {"name": name, "role": role, "locality": body[0] if body else None, "body": list(body) if body else None,
            "email": email, "mobile": mobile, "wecom": ids.get("wecom"), "dingtalk": ids.get("dingtalk"),
            "feishu": ids.get("feishu")}


def insert_case(session, now: datetime, *, title="太谷区某化工厂发生爆炸", severity="major_emergency", drill=False) -> Case:
    case = Case(title=title, opened_at=now, severity=severity, drill=drill, criteria=["emergency_disaster"],
                localities=["山西省晋中市太谷区"], sectors=["emergency"], rule="single_locality",
                first_body="晋中市太谷区应急管理局")
    session.add(case)
    session.commit()
    session.refresh(case)
    return case


def insert_event(session, case: Case, now: datetime, *, kind="opened", recipients=(), step_id=None,
                 clock_kind="first_release", due_in=timedelta(hours=5), **payload) -> ClockEvent:
    body = {
        "case_id": case.id, "title": case.title, "severity": case.severity, "especially_major": False,
        "criteria": ["emergency_disaster"], "clock_kind": clock_kind, "clock_hours": 5,
        "due_at": (now + due_in).isoformat(), "step": kind, "late_seconds": 0,
        "first": [{"name": "晋中市太谷区应急管理局", "locality": "山西省晋中市太谷区", "sector": "emergency"}],
        "trace": ["涉及单一县（区），由属地涉事责任部门回应（国办发〔2016〕61号 一）"],
        "evidence": ["https://news.example.org/a/1"], "drill": case.drill,
    }
    body.update(payload)
    event = ClockEvent(case_id=case.id, kind=kind, created_at=now, recipients=list(recipients), payload=body,
                       step_id=step_id)
    session.add(event)
    session.commit()
    session.refresh(event)
    return event


def make_sender(engine, clock, ctx, **kw) -> Sender:
    # The robots check signatures against real time, so the wall clock is the real one.
    return Sender(engine=engine, clock=clock, ctx=ctx, timer=time.monotonic, wall=time.time, name="test", **kw)


def drain(engine, clock, ctx, **kw) -> int:
    """Run one sender drain to completion; return how many sends it started."""
    return asyncio.run(make_sender(engine, clock, ctx, **kw).drain(max_seconds=20))
