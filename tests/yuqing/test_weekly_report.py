"""The weekly 通报 mail goes out on schedule (fake clock), once per week, to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alerts.models import Notification
from alerts.routing import routing_context
from alerts.sender import Sender
from tests.alerts.receivers import SmtpSink
from tests.responders.report_history import CST, build_history, t
from yuqing.clock import FakeClock
from yuqing.config import load_config
from yuqing.runtime import Runtime
from yuqing.weekly_report import weekly_report_job

ROOT = Path(__file__).resolve().parents[2]
OFFICE = "zwgk@shanxi.example.gov.cn"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def runtime(tmp_path, db_url, engine, smtp):
    with Session(engine) as session:
        build_history(session)
    path = tmp_path / "config.toml"
    path.write_text(f"""
[storage]
url = "{db_url}"

[web]
base_url = "https://yuqing.example.gov.cn"

[directory]
include = "{ROOT / 'directory' / 'shanxi.toml'}"

[reports]
weekly = "mon 09:00"
to = ["{OFFICE}"]

[[channels]]
name = "值班邮箱"
kind = "email"
host = "127.0.0.1"
port = {smtp.port}
security = "none"
sender = "舆情值班 <yuqing@example.gov.cn>"
people = true
""", encoding="utf-8")
    # Monday 2026-11-23 08:59 Beijing time: one minute before the slot.
    clock = FakeClock(t(11, 23, 8, 59))
    return Runtime(load_config(path, environ={}), clock, engine=engine)


def _reports(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == "report").order_by(Notification.id)))


def _send(runtime) -> None:
    config = runtime.config
    ctx = routing_context(config.alerts, config.channels, base_url=config.web.base_url, base_dir=config.base_dir)
    sender = Sender(engine=runtime.engine, clock=runtime.clock, ctx=ctx, timer=time.monotonic, wall=time.time)
    asyncio.run(sender.drain(max_seconds=10))


def test_weekly_mail_goes_out_at_the_slot_once_per_week(runtime, smtp):
    job = weekly_report_job(runtime)
    asyncio.run(job(runtime))
    assert _reports(runtime.engine) == []                       # 08:59: not yet

    runtime.clock.advance(timedelta(minutes=1))                 # 09:00 sharp
    asyncio.run(job(runtime))
    [row] = _reports(runtime.engine)
    assert row.key.startswith("report:weekly:2026-W47:") and row.address == OFFICE
    assert "2026年第47周" in row.subject

    runtime.clock.advance(timedelta(hours=3))
    asyncio.run(job(runtime))                                   # same week: never twice
    assert len(_reports(runtime.engine)) == 1

    _send(runtime)
    [mail] = smtp.messages
    assert mail["to"] == [OFFICE]
    message = mail["message"]
    assert "2026年第47周" in message["subject"]
    text = message.get_body(("plain",)).get_content()
    assert "立案 4 件（上期 2 件）" in text
    assert "按时率 60.0%" in text
    assert "约谈候选：晋中市教育局" in text
    assert "https://yuqing.example.gov.cn/reports?period=2026-W47" in text


def test_a_daemon_down_at_the_slot_sends_when_it_returns_and_the_next_week_follows(runtime):
    job = weekly_report_job(runtime)
    runtime.clock.set(t(11, 25, 14))                            # Wednesday: Monday's report was missed
    asyncio.run(job(runtime))
    assert [r.key.split(":")[2] for r in _reports(runtime.engine)] == ["2026-W47"]

    runtime.clock.set(t(11, 30, 8, 59))                       # next Monday, a minute early
    asyncio.run(job(runtime))
    assert len(_reports(runtime.engine)) == 1
    runtime.clock.advance(timedelta(minutes=1))
    asyncio.run(job(runtime))
    assert [r.key.split(":")[2] for r in _reports(runtime.engine)] == ["2026-W47", "2026-W48"]


def test_slot_is_read_in_beijing_time():
    from responders.reports.schedule import last_slot

    slot = last_slot(t(11, 23, 9, 0), "mon 09:00")
    assert slot.astimezone(CST).strftime("%a %H:%M") == "Mon 09:00"
    assert last_slot(t(11, 23, 8, 59), "mon 09:00") == t(11, 16, 9, 0)
