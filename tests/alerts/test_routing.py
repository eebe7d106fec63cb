"""Routing: clock events and source notices become idempotent outbox rows for people and body groups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from alerts.config import AlertsConfig
from alerts.models import Notification
from alerts.routing import expand_clock_events, expand_source_notices, quiet_until
from monitor.models import Source, SourceNotice
from responders.directory import build_directory
from responders.models import Clock, ClockEvent, ClockStep

from .conftest import insert_case, insert_event, make_ctx, person

EMAIL = {"name": "值班邮箱", "kind": "email", "host": "127.0.0.1", "port": 2525, "security": "none",
         "sender": "yuqing@example.gov.cn", "people": True}
TAIGU = {"name": "太谷应急群", "kind": "dingtalk", "access_token": "t", "secret": "s",
         "bodies": ["山西省晋中市太谷区/emergency"]}
EDU = {"name": "太谷教育群", "kind": "wecom", "key": "k", "bodies": ["山西省晋中市太谷区/education"]}
OFFICE = {"name": "省政府办公厅群", "kind": "wecom", "key": "k2", "bodies": ["山西省/government_office"]}
HOOK = {"name": "指挥平台", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "bodies": ["*"]}


def rows(session):
    return session.exec(select(Notification).order_by(Notification.id)).all()


def test_each_person_gets_email_and_each_matching_body_group_gets_one_message(session, clock):
    ctx = make_ctx([EMAIL, TAIGU, EDU, HOOK])
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), recipients=[
        person("李联络", email="li@example.gov.cn", mobile="13800000001"),
        person("王承办", mobile="13800000002", role="handler"),
    ])
    assert expand_clock_events(session, clock.now(), ctx) == 1
    got = {(r.channel, r.recipient) for r in rows(session)}
    assert got == {("值班邮箱", "李联络"), ("太谷应急群", None), ("指挥平台", None)}
    ding = next(r for r in rows(session) if r.channel == "太谷应急群")
    assert ding.payload["mentions"]["mobiles"] == ["13800000001", "13800000002"]
    assert next(r for r in rows(session) if r.channel == "值班邮箱").address == "li@example.gov.cn"


def test_the_event_is_marked_processed_with_its_rows_and_a_second_run_adds_nothing(session, clock):
    ctx = make_ctx([HOOK])
    case = insert_case(session, clock.now())
    event = insert_event(session, case, clock.now())
    expand_clock_events(session, clock.now(), ctx)
    session.refresh(event)
    assert event.processed_at == clock.now()
    assert expand_clock_events(session, clock.now(), ctx) == 0
    assert len(rows(session)) == 1


def test_two_events_for_the_same_clock_step_make_one_message_per_recipient_and_channel(session, clock):
    ctx = make_ctx([HOOK])
    case = insert_case(session, clock.now())
    clk = Clock(case_id=case.id, kind="first_release", hours=5, started_at=clock.now(), due_at=clock.now() + timedelta(hours=5))
    session.add(clk)
    session.commit()
    step = ClockStep(clock_id=clk.id, case_id=case.id, step="reminder", due_at=clock.now())
    session.add(step)
    session.commit()
    for _ in range(2):
        session.add(ClockEvent(case_id=case.id, clock_id=clk.id, step_id=step.id, kind="reminder", created_at=clock.now(),
                               payload={"case_id": case.id, "title": "t", "severity": "general"}))
    session.commit()
    assert expand_clock_events(session, clock.now(), ctx) == 2
    [row] = rows(session)
    assert row.key == f"{case.id}:{clk.id}:s{step.id}:@group:指挥平台"


def test_a_person_no_channel_reaches_goes_to_the_fallback_channel(session, clock):
    ctx = make_ctx([TAIGU, HOOK | {"bodies": []}], fallback_channel="指挥平台")
    case = insert_case(session, clock.now())
    insert_event(session, case, clock.now(), recipients=[
        person("孙分管", body=None, mobile="13800000003", role="deputy"),
        person("李联络", mobile="13800000001"),
    ])
    expand_clock_events(session, clock.now(), ctx)
    assert {(r.channel, r.recipient) for r in rows(session)} == {("太谷应急群", None), ("指挥平台", "孙分管")}


def test_quiet_hours_hold_general_cases_until_morning_but_never_major_emergencies(session, clock):
    night = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)        # 23:30 in Shanghai
    clock.set(night)
    ctx = make_ctx([HOOK], quiet_hours="22:00-07:00")
    general = insert_case(session, night, severity="general")
    major = insert_case(session, night, severity="major_emergency")
    insert_event(session, general, night, clock_kind="response")
    insert_event(session, major, night)
    expand_clock_events(session, night, ctx)
    by_case = {r.case_id: r for r in rows(session)}
    assert by_case[general.id].next_attempt_at == datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)   # 07:00 local
    assert by_case[major.id].next_attempt_at == night


def test_quiet_hours_boundaries():
    cfg = AlertsConfig(quiet_hours="22:00-07:00")
    def at(h, m):   # h:m on 2026-11-20 in Shanghai (h may pass 24: the next day)
        return datetime(2026, 11, 20, tzinfo=timezone.utc) + timedelta(hours=h - 8, minutes=m)
    assert quiet_until(at(21, 59), cfg, major=False) is None
    assert quiet_until(at(22, 0), cfg, major=False) == at(31, 0)
    assert quiet_until(at(6, 59), cfg, major=False) == at(7, 0)
    assert quiet_until(at(7, 0), cfg, major=False) is None
    assert quiet_until(at(23, 0), cfg, major=True) is None


def test_a_source_notice_goes_to_the_on_duty_officer_and_the_office_group(session, clock, example_config):
    directory = build_directory(example_config.directory)
    ctx = make_ctx([EMAIL, OFFICE])
    source = Source(kind="feed", name="山西新闻网", url="https://news.example.org/rss", created_at=clock.now())
    session.add(source)
    session.commit()
    notice = SourceNotice(source_id=source.id, created_at=clock.now(), kind="down", detail="HTTP 503 连续 3 次")
    session.add(notice)
    session.commit()
    assert expand_source_notices(session, clock.now(), ctx, directory) == 1
    got = rows(session)
    assert {r.channel for r in got} == {"值班邮箱", "省政府办公厅群"}
    assert all(r.kind == "source_down" and "山西新闻网" in r.subject for r in got)
    officer_mail = [r for r in got if r.channel == "值班邮箱"]
    assert any("值班员" in (r.recipient or "") for r in officer_mail)
    session.refresh(notice)
    assert notice.processed_at == clock.now()
