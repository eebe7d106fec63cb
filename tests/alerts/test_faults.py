"""The sender under faults (issue 20 points 11-13, issue 22 points 1 and 3-6).

Receivers are real HTTP servers on loopback: the robot server of `receivers.py`, and a
small asyncio server here that answers as a test scripts it (a trickle, a 503 with
Retry-After). Rate limits are checked on a fake timer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from alerts.config import AlertsConfig, channel_problems
from alerts.models import Notification
from alerts.outbox import Fence, claim_due, release_expired_claims
from alerts.routing import expand_clock_events
from alerts.sender import Sender
from responders.lease import LeaseKeeper
from responders.models import Lease
from yuqing.clock import SystemClock

from .conftest import insert_case, insert_event, make_ctx, make_sender, robot_channels


class FakeTimer:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Receiver:
    """An HTTP/1.1 receiver on loopback whose answers a test scripts as coroutines of (reader, writer)."""

    def __init__(self):
        self.arrivals: list[float] = []
        self.answer = self.ok

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def stop(self) -> None:
        self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            self.arrivals.append(time.monotonic())
            await self.answer(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def ok(writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()

    @staticmethod
    def trickle(total: int, every: float):
        """Answer 200 with a body of `total` bytes, one byte every `every` seconds."""
        async def answer(writer) -> None:
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            for _ in range(total):
                await asyncio.sleep(every)
                writer.write(b"x")
                await writer.drain()
        return answer

    @staticmethod
    def unavailable(retry_after: int):
        async def answer(writer) -> None:
            writer.write(f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after}\r\nContent-Length: 4\r\n"
                         f"Connection: close\r\n\r\nbusy".encode())
            await writer.drain()
        return answer


def hook(name: str, url: str, **extra) -> dict:
    return {"name": name, "kind": "webhook", "url": url, "bodies": ["*"], **extra}


def queue(session, now, ctx, **event) -> list[Notification]:
    case = insert_case(session, now)
    insert_event(session, case, now, **event)
    expand_clock_events(session, now, ctx)
    return session.exec(select(Notification).where(Notification.case_id == case.id)).all()


def row_of(engine, row_id: int) -> Notification:
    with Session(engine) as s:
        return s.get(Notification, row_id)


# -- issue 20 point 11: an overall deadline, channels that do not wait on each other ---------------------------------

def test_a_trickling_receiver_cannot_hold_a_send_past_its_deadline(engine, session, clock):
    async def scenario():
        slow = await Receiver().start()
        slow.answer = Receiver.trickle(40, 0.2)         # 8 s of answer, one byte every 0.2 s (< the 1 s timeout)
        ctx = make_ctx([hook("慢接收端", slow.url, timeout="1s", deadline="2s")])
        [row] = queue(session, clock.now(), ctx)
        t0 = time.monotonic()
        await make_sender(engine, clock, ctx).drain(max_seconds=20)
        took = time.monotonic() - t0
        await slow.stop()
        return row.id, took

    row_id, took = asyncio.run(scenario())
    assert took < 4, f"the send lasted {took:.1f}s against a 2 s deadline"
    row = row_of(engine, row_id)
    assert row.status == "retry" and "deadline" in row.last_error


def test_a_slow_receiver_delays_only_its_own_channels_messages(engine, session, clock, robots):
    async def scenario():
        slow = await Receiver().start()
        slow.answer = Receiver.trickle(25, 0.2)          # a 5 s answer
        fast = robot_channels(robots)[3]                 # the webhook robot, answering at once
        ctx = make_ctx([hook("慢接收端", slow.url, timeout="1s"), fast])     # inside the default 30 s deadline
        sender = make_sender(engine, clock, ctx)
        rows = queue(session, clock.now(), ctx)
        stuck = next(r for r in rows if r.channel == "慢接收端")
        for r in rows:          # only the slow channel's message is due now
            if r.channel != "慢接收端":
                session.exec(update(Notification).where(Notification.id == r.id).values(status="sent"))
        session.commit()
        t0 = time.monotonic()
        await sender.drain(max_seconds=0.5)
        first_pass = time.monotonic() - t0
        [later] = [r for r in queue(session, clock.now(), ctx) if r.channel == fast["name"]]
        t1 = time.monotonic()
        await sender.drain(max_seconds=0.5)
        second_pass = time.monotonic() - t1
        healthy_sent = row_of(engine, later.id).status
        await sender.drain(max_seconds=20)              # let the slow send end
        await slow.stop()
        return first_pass, second_pass, healthy_sent, row_of(engine, stuck.id).status

    first_pass, second_pass, healthy_sent, slow_status = asyncio.run(scenario())
    assert first_pass < 1.5, f"the pass waited {first_pass:.1f}s for the slow receiver"
    assert healthy_sent == "sent" and second_pass < 1.5
    assert slow_status == "sent"


def test_a_send_that_outlives_its_pass_closes_the_http_clients_when_it_ends(engine, session, clock):
    """After a reload the old Sender gets no further pass: its last send must close its clients itself."""
    async def scenario():
        slow = await Receiver().start()
        slow.answer = Receiver.trickle(10, 0.1)          # a 1 s answer
        ctx = make_ctx([hook("慢接收端", slow.url, timeout="1s")])
        sender = make_sender(engine, clock, ctx)
        [row] = queue(session, clock.now(), ctx)
        await sender.drain(max_seconds=0.2)             # returns with the send in flight
        clients = list(sender._http.values())
        open_during = [not c.is_closed for c in clients]
        for _ in range(100):                             # no further pass, as after a reload
            if not sender._tasks and not sender._closing:
                break
            await asyncio.sleep(0.05)
        await slow.stop()
        return open_during, [c.is_closed for c in clients], sender._http, row_of(engine, row.id).status

    open_during, closed_after, http, status = asyncio.run(scenario())
    assert open_during == [True]
    assert closed_after == [True] and http is None
    assert status == "sent"


# -- issue 20 point 12: a send that outlives the claim timeout is not claimed again ----------------------------------

def test_a_send_longer_than_the_claim_timeout_is_never_claimed_again(engine, session, robots):
    robots.delay = 4.0                               # the receiver answers in 4 s, twice the claim timeout
    clock = SystemClock()
    ctx = make_ctx([robot_channels(robots)[3]], claim_timeout="2s")
    [row] = queue(session, clock.now(), ctx)
    stolen: list[int] = []
    stop = threading.Event()

    def rival() -> None:
        """Another sender's housekeeping and claims, from the moment our sender claimed the row."""
        with Session(engine) as s:
            while not stop.is_set() and s.get(Notification, row.id, populate_existing=True).status != "sending":
                time.sleep(0.02)
            while not stop.is_set():
                release_expired_claims(s, clock.now())
                stolen.extend(r.id for r in claim_due(s, clock.now(), channel=row.channel, limit=10, token="rival",
                                                      claim_timeout=timedelta(seconds=1)))
                time.sleep(0.1)

    thread = threading.Thread(target=rival)
    thread.start()
    try:
        asyncio.run(make_sender(engine, clock, ctx).drain(max_seconds=10))
    finally:
        stop.set()
        thread.join()
    assert stolen == []
    assert row_of(engine, row.id).status == "sent" and len(robots.of("webhook")) == 1


# -- issue 20 point 13 and issue 22 point 3: the alerts lease ---------------------------------------------------------

def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_new_lease_holder_takes_over_the_old_holders_claims_at_once(engine, session, clock, robots):
    ctx = make_ctx([robot_channels(robots)[3]])       # claim timeout: the default 2 min
    [row] = queue(session, clock.now(), ctx)
    old = LeaseKeeper(engine, name="alerts", holder="甲", ttl=timedelta(seconds=1), renew=timedelta(seconds=0.3))
    assert old.check(_now())
    fence = Fence("alerts", "甲", old.generation)
    [claimed] = claim_due(session, clock.now(), channel=row.channel, limit=5, token=fence.prefix + "1",
                          claim_timeout=timedelta(minutes=2), fence=fence)
    # 甲 is killed here, its claim valid for two more minutes; its lease lapses after one second.
    time.sleep(1.1)
    new = LeaseKeeper(engine, name="alerts", holder="乙", ttl=timedelta(seconds=10))
    asyncio.run(make_sender(engine, clock, ctx).drain(max_seconds=5, lease=new))
    assert new.generation == fence.generation + 1
    assert row_of(engine, claimed.id).status == "sent" and len(robots.of("webhook")) == 1
    # The fenced past holder claims nothing more, even with rows due.
    [more] = queue(session, clock.now(), ctx)
    assert claim_due(session, clock.now(), channel=row.channel, limit=5, token=fence.prefix + "2",
                     claim_timeout=timedelta(minutes=2), fence=fence) == []
    assert row_of(engine, more.id).status == "pending"


def test_the_lease_is_renewed_during_a_pass_longer_than_its_ttl(engine, session, clock, robots):
    robots.delay = 0.5
    ctx = make_ctx([robot_channels(robots)[3]])
    for _ in range(6):
        queue(session, clock.now(), ctx)
    keeper = LeaseKeeper(engine, name="alerts", holder="甲", ttl=timedelta(seconds=2), renew=timedelta(seconds=0.3))
    standby = LeaseKeeper(engine, name="alerts", holder="乙", ttl=timedelta(seconds=2))
    taken: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if standby.check(_now()):
                taken.append(time.monotonic())
                return
            time.sleep(0.05)

    assert keeper.check(_now())
    thread = threading.Thread(target=watch)
    thread.start()
    try:
        asyncio.run(make_sender(engine, clock, ctx, per_channel=1).drain(max_seconds=10, lease=keeper))
    finally:
        stop.set()
        thread.join()
    assert len(robots.of("webhook")) == 6        # a pass of about 3 s against a 2 s lease
    assert taken == [], "the standby took the lease while the holder was still sending"


def test_sending_stops_the_moment_the_lease_is_lost(engine, session, clock, robots):
    robots.delay = 0.3
    ctx = make_ctx([robot_channels(robots)[3]])
    for _ in range(10):
        queue(session, clock.now(), ctx)
    keeper = LeaseKeeper(engine, name="alerts", holder="甲", ttl=timedelta(seconds=5), renew=timedelta(seconds=0.2))
    assert keeper.check(_now())
    lost_at: list[float] = []

    def take_over() -> None:
        time.sleep(1.0)
        with Session(engine) as s:      # another daemon took the lease (甲 was paused past its ttl)
            s.exec(update(Lease).where(Lease.name == "alerts").values(
                holder="乙", generation=Lease.generation + 1, expires_at=_now() + timedelta(minutes=5)))
            s.commit()
        lost_at.append(time.monotonic())

    thread = threading.Thread(target=take_over)
    thread.start()
    t0 = time.monotonic()
    asyncio.run(make_sender(engine, clock, ctx, per_channel=1).drain(max_seconds=20, lease=keeper))
    took = time.monotonic() - t0
    thread.join()
    late = [t for t in (r.at for r in robots.of("webhook", ok_only=False)) if t > lost_at[0] + 0.5]
    assert late == [], f"{len(late)} sends started after the lease was lost"
    assert took < 2.5 and len(robots.received) < 10


# -- issue 22 point 1: a rate-limit answer holds only what the robot refused, for the time it documents ---------------

@pytest.mark.parametrize("kind, answer, held", [
    ("feishu", {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]", "data": {}}, 1),
    ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, 60),
    ("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, 600),
])
def test_each_robots_rate_limit_answer_holds_the_channel_for_its_documented_time(engine, session, clock, robots,
                                                                                 kind, answer, held):
    channel = next(c for c in robot_channels(robots) if c["kind"] == kind)
    channel["bodies"] = ["*"]
    ctx = make_ctx([channel])
    [row] = queue(session, clock.now(), ctx)
    robots.script(kind, answer)
    timer = FakeTimer()
    sender = Sender(engine=engine, clock=clock, ctx=ctx, timer=timer, wall=time.time, name="test")
    asyncio.run(sender.drain(max_seconds=5))
    limiter = sender.limiters[channel["name"]]
    timer.t = held - 0.01
    assert limiter.available() == 0
    timer.t = held + 0.01
    assert limiter.available() > 0, f"{kind} still held {held} s after the robot's answer"
    refused = row_of(engine, row.id)
    assert refused.status == "retry"
    assert refused.next_attempt_at - clock.now() == timedelta(seconds=held)


# -- issue 22 point 5: Retry-After on 503 ------------------------------------------------------------------------------

def test_a_503_with_retry_after_is_retried_after_the_time_the_receiver_gave(engine, session, clock):
    async def scenario():
        busy = await Receiver().start()
        busy.answer = Receiver.unavailable(7)
        ctx = make_ctx([hook("指挥平台", busy.url, rate_limits=[{"count": 100, "per": "1m"}])])
        [row] = queue(session, clock.now(), ctx)
        timer = FakeTimer()
        sender = Sender(engine=engine, clock=clock, ctx=ctx, timer=timer, wall=time.time, name="test")
        await sender.drain(max_seconds=5)
        await busy.stop()
        return row.id, sender.limiters["指挥平台"], timer

    row_id, limiter, timer = asyncio.run(scenario())
    row = row_of(engine, row_id)
    assert row.status == "retry" and "503" in row.last_error
    assert row.next_attempt_at - clock.now() == timedelta(seconds=7)
    timer.t = 6.9
    assert limiter.available() == 0
    timer.t = 7.1
    assert limiter.available() > 0


# -- issue 22 point 4: the claim timeout must outlast the longest send -------------------------------------------------

def test_a_claim_timeout_not_longer_than_the_longest_send_is_refused_with_the_key_named():
    from pydantic import TypeAdapter

    from alerts.config import ChannelConfig

    channels = TypeAdapter(list[ChannelConfig]).validate_python([
        {"name": "快", "kind": "webhook", "url": "http://127.0.0.1:9/a"},
        {"name": "慢", "kind": "webhook", "url": "http://127.0.0.1:9/b", "timeout": "20s", "deadline": "60s"}])
    problems = dict(channel_problems(AlertsConfig(claim_timeout="12s"), channels))
    assert "claim_timeout" in problems[("alerts", "claim_timeout")] and "'慢'" in problems[("alerts", "claim_timeout")]
    assert "100s" in problems[("alerts", "claim_timeout")]
    assert ("alerts", "claim_timeout") not in dict(channel_problems(AlertsConfig(claim_timeout="101s"), channels))


def test_a_config_file_with_a_short_claim_timeout_is_refused(tmp_path):
    from yuqing.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text(f'state_dir = "{tmp_path}"\n[directory]\njurisdiction = "山西省"\n[[directory.divisions]]\n'
                    'city = "晋中市"\ncounties = ["太谷区"]\n[alerts]\nclaim_timeout = "12s"\n\n'
                    '[[channels]]\nname = "指挥平台"\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert "alerts.claim_timeout" in str(info.value)


# -- issue 22 point 6: real-time settings are scaled by the drill speed once --------------------------------------------

def test_the_demo_claim_timeout_is_scaled_by_the_drill_speed_once(tmp_path, engine):
    from alerts.routing import routing_context
    from yuqing.clock import ScaledClock
    from yuqing.config import load_config
    from yuqing.demo.deployment import DemoSecrets, demo_config_text, repository_directory
    from yuqing.demo.scenario import load_scenario

    speed = 3600.0
    path = tmp_path / "config.toml"
    path.write_text(demo_config_text(scenario=load_scenario("shanxi"), state_dir=tmp_path, web_port=18080,
                                     feeds_url="http://127.0.0.1:9", smtp_port=9, secrets_=DemoSecrets(),
                                     directory=repository_directory()), encoding="utf-8")
    config = load_config(path, environ={})
    ctx = routing_context(config.alerts, config.channels, base_url="http://127.0.0.1:18080", base_dir=config.base_dir,
                          drill=True)
    sender = Sender(engine=engine, clock=ScaledClock(speed), ctx=ctx, timer=time.monotonic, wall=time.time)
    # Two minutes of real time, whatever the speed: the claim span on the drill clock divided by the speed.
    assert sender._claim_span().total_seconds() / speed == 120


# -- issue 22 point 2: a fallback takes another route, never the address that failed ----------------------------------

def _mail_failure(session, engine, clock, *, fallback: str, channels_extra: list[dict], email_to: list[str]):
    from .conftest import drain, person
    from .receivers import SmtpSink

    sink = SmtpSink().start()
    try:
        sink.scripted = ["550 5.1.1 mailbox unavailable"]
        email = {"name": "值班邮箱", "kind": "email", "host": "127.0.0.1", "port": sink.port, "security": "none",
                 "sender": "yuqing@example.gov.cn", "people": True, "to": email_to}
        ctx = make_ctx([email, *[{**c, "port": sink.port} for c in channels_extra]], fallback_channel=fallback)
        queue(session, clock.now(), ctx, recipients=[person("李联络", email="li@example.gov.cn")])
        drain(engine, clock, ctx)
    finally:
        sink.stop()
    with Session(engine) as s:
        rows = s.exec(select(Notification).where(Notification.recipient == "李联络")).all()
    return rows, sink.messages


def test_a_fallback_on_the_persons_own_mail_channel_goes_to_the_on_duty_address(engine, session, clock):
    """The README's example: the fallback channel is the people's mail channel, with the on-duty address in `to`."""
    rows, messages = _mail_failure(session, engine, clock, fallback="值班邮箱", channels_extra=[],
                                   email_to=["duty@example.gov.cn"])
    failed = next(r for r in rows if ">" not in r.key)
    [fallback] = [r for r in rows if ">" in r.key]
    assert failed.status == "failed" and fallback.status == "sent"
    assert fallback.address == "duty@example.gov.cn"
    assert [m["to"] for m in messages if m["message"]["Subject"].startswith("【经备用通道】")] == [["duty@example.gov.cn"]]


def test_a_fallback_never_goes_to_the_address_that_just_failed(engine, session, clock):
    spare = {"name": "值班备用邮箱", "kind": "email", "host": "127.0.0.1", "security": "none",
             "sender": "yuqing@example.gov.cn", "to": ["duty@example.gov.cn"]}
    rows, messages = _mail_failure(session, engine, clock, fallback="值班备用邮箱", channels_extra=[spare], email_to=[])
    [fallback] = [r for r in rows if ">" in r.key]
    assert fallback.channel == "值班备用邮箱" and fallback.address == "duty@example.gov.cn"
    assert all("li@example.gov.cn" not in m["to"] for m in messages)


def test_check_config_warns_when_a_fallback_cannot_differ(tmp_path, capsys):
    from yuqing.cli import main

    path = tmp_path / "config.toml"
    path.write_text(f'state_dir = "{tmp_path}"\n[directory]\njurisdiction = "山西省"\n[[directory.divisions]]\n'
                    'city = "晋中市"\ncounties = ["太谷区"]\n[alerts]\nfallback_channel = "值班邮箱"\n\n'
                    '[[channels]]\nname = "值班邮箱"\nkind = "email"\nhost = "127.0.0.1"\nsender = "a@example.gov.cn"\n'
                    'people = true\n', encoding="utf-8")
    assert main(["check-config", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: alerts.fallback_channel" in err and "值班邮箱" in err
    path.write_text(path.read_text(encoding="utf-8") + 'to = ["duty@example.gov.cn"]\n', encoding="utf-8")
    assert main(["check-config", str(path)]) == 0
    assert "warning" not in capsys.readouterr().err
