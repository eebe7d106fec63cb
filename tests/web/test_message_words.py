"""Issue 15.6/15.7: what a message says about an officer's action, in the pages' own words."""

from __future__ import annotations

from pydantic import TypeAdapter
from sqlmodel import Session, select

from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import Notification
from alerts.render import Renderer
from alerts.routing import RoutingContext, expand_clock_events
from responders.firing import fire_due_steps
from yuqing.web.labels import SEVERITIES

from .conftest import make_case

HOOK = {"name": "指挥平台", "kind": "webhook", "url": "http://127.0.0.1:9/webhook", "bodies": ["*"]}


def routed(runtime, clock, case_id: int) -> list[Notification]:
    ctx = RoutingContext(alerts=AlertsConfig(), channels=tuple(TypeAdapter(list[ChannelConfig]).validate_python([HOOK])),
                         renderer=Renderer(None), base_url="http://127.0.0.1:8080")
    with Session(runtime.engine) as s:
        fire_due_steps(s, clock.now(), directory=runtime.directory, config=runtime.config.clocks)
        s.commit()
        expand_clock_events(s, clock.now(), ctx)
        rows = s.exec(select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)).all()
        for r in rows:
            s.expunge(r)
        return rows


def test_the_confirmation_message_says_what_the_response_was_and_no_time_left(runtime, users, browser, clock):
    case_id = make_case(runtime)
    seen = {r.id for r in routed(runtime, clock, case_id)}
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    b.post(f"/cases/{case_id}/responses", {"clock_kind": "first_release", "mode": "press_conference",
                                           "at": "2026-11-20T08:30", "url": "https://www.sxtg.gov.cn/fb/1"})
    [message] = [r for r in routed(runtime, clock, case_id) if r.id not in seen]
    assert message.subject.startswith("【已回应】")
    body = message.body
    assert "回应方式：新闻发布会" in body and "2026-11-20 08:30（北京时间，按时）" in body
    assert "https://www.sxtg.gov.cn/fb/1" in body and "登记人：officer" in body
    assert "剩余" not in body and "已停止计时" in body
    assert "press_conference" not in body


def test_messages_and_pages_name_the_severity_with_the_same_words(runtime, users, browser, clock):
    case_id = make_case(runtime, severity="general", criteria=("public_interest",), sectors=("housing",))
    [opened, *_] = routed(runtime, clock, case_id)
    page = browser("officer").get(f"/cases/{case_id}").text
    assert SEVERITIES["general"] in opened.body and SEVERITIES["general"] in page
    assert "一般政务舆情" not in opened.body


def test_a_late_response_reads_in_days_and_hours(runtime, users, browser, clock, engine):
    from datetime import timedelta

    from responders.models import Clock

    case_id = make_case(runtime, age=timedelta(days=13, hours=1))
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    b.post(f"/cases/{case_id}/responses", {"clock_kind": "first_release", "mode": "authoritative_info"})
    with Session(engine) as s:
        clock_row = s.exec(select(Clock).where(Clock.case_id == case_id, Clock.kind == "first_release")).one()
    assert "超时12天20小时" in clock_row.reason, clock_row.reason
    assert "分钟" not in clock_row.reason
