"""Benchmark the alert sender: 10,000 queued messages to local receivers.

Run: ``.venv/bin/python -m bench.alerts`` (about a minute and a half).

Three phases, one process for the sender and one for the receivers
(`tests.alerts.receivers.RobotServer`, which refuses what the real robots refuse):

1. **unlimited**: 10,000 webhook messages over 4 channels, falling due at a steady
   rate; figures: p50/p99/max from due time to arrival, throughput, peak RSS.
2. **rate limits**: 400 WeCom, 400 DingTalk and 600 Feishu messages all due at once,
   with the published limits scaled 60x (a minute lasts 1 s, a second 1/60 s) on both
   sides; figures: refusals by the receivers and the most arrivals seen in any
   sliding window, against each limit.
3. **naive baseline** (same run): a loop that sends due rows one by one with no
   limiter, as a notification library would; same measurements on smaller sets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import resource
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from pydantic import TypeAdapter
from sqlalchemy import func
from sqlmodel import Session, select

from alerts.channels import build_channels
from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import Notification
from alerts.outbox import message_of
from alerts.render import Renderer
from alerts.routing import RoutingContext
from alerts.sender import Sender
from tests.alerts.receivers import RobotServer, RobotSettings, max_in_window
from yuqing.clock import SystemClock
from yuqing.db import make_engine, upgrade

SCALE = 60.0
UNLIMITED = 10_000
DUE_RATE = 250.0        # messages falling due per second in phase 1 (10,000 over 40 s)
LIMITED = {"wecom": 400, "dingtalk": 400, "feishu": 600}


def _serve(conn, out_path: str) -> None:
    settings = RobotSettings(minute=60.0 / SCALE, second=1.0 / SCALE)
    server = RobotServer(settings).start()
    conn.send(server.port)
    while conn.recv() != "stop":
        with server.lock:
            records = [{"kind": r.kind, "key": (r.json or {}).get("key") or r.headers.get("X-Yuqing-Key"),
                        "wall": r.wall, "at": r.at, "answer": r.answer} for r in server.received]
            server.received.clear()
        Path(out_path).write_text(json.dumps(records), encoding="utf-8")
        conn.send("dumped")
    server.stop()


class Receivers:
    """The robots in their own process, so their threads do not share the sender's interpreter lock."""

    def __init__(self, tmp: Path):
        self.out = tmp / "received.json"
        parent, child = multiprocessing.get_context("fork").Pipe()
        self.conn = parent
        self.proc = multiprocessing.get_context("fork").Process(target=_serve, args=(child, str(self.out)), daemon=True)
        self.proc.start()
        self.port = parent.recv()
        self.base = f"http://127.0.0.1:{self.port}"

    def collect(self) -> list[dict]:
        """Return (and forget) everything received since the last call."""
        self.conn.send("dump")
        self.conn.recv()
        return json.loads(self.out.read_text(encoding="utf-8"))

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(10)


def channels(base: str) -> list[dict]:
    s = RobotSettings()
    per_min, per_s = 60.0 / SCALE, 1.0 / SCALE
    out = [{"name": f"hook{i}", "kind": "webhook", "url": f"{base}/webhook", "secret": s.webhook_secret} for i in range(4)]
    out += [
        {"name": "wecom", "kind": "wecom", "url": f"{base}/wecom/send", "key": s.wecom_key,
         "rate_limits": [{"count": 20, "per": per_min}]},
        {"name": "dingtalk", "kind": "dingtalk", "url": f"{base}/dingtalk/send", "access_token": s.dingtalk_token,
         "secret": s.dingtalk_secret, "rate_limits": [{"count": 20, "per": per_min}]},
        {"name": "feishu", "kind": "feishu", "url": f"{base}/feishu/hook", "hook": s.feishu_hook, "secret": s.feishu_secret,
         "rate_limits": [{"count": 5, "per": per_s}, {"count": 100, "per": per_min}]},
    ]
    return out


def queue(engine, rows: list[tuple[str, str, datetime]], tag: str) -> None:
    """Insert outbox rows (channel, kind, due) with a realistic rendered body."""
    body = "**回应时限提醒**：以下案件尚未确认回应。\n- 案件：[太谷区某化工厂发生爆炸](http://127.0.0.1:8080/cases/1)\n" * 3
    with Session(engine) as s:
        for i, (channel, kind, due) in enumerate(rows):
            s.add(Notification(key=f"{tag}:{i}:{channel}", case_id=None, kind="reminder", channel=channel, channel_kind=kind,
                               subject=f"【提醒】消息 {i}", body=body, payload={"text": body, "case_url": "http://x/cases/1"},
                               status="pending", created_at=due, next_attempt_at=due))
        s.commit()


def latency_figures(records: list[dict], due: dict[str, float]) -> dict:
    lat = sorted(r["wall"] - due[r["key"]] for r in records if r["key"] in due)
    if not lat:
        return {"n": 0}
    return {"n": len(lat), "p50": statistics.median(lat), "p99": lat[int(len(lat) * 0.99) - 1], "max": lat[-1]}


def limit_figures(records: list[dict]) -> dict:
    out = {}
    for kind, limits in (("wecom", [(20, 60 / SCALE)]), ("dingtalk", [(20, 60 / SCALE)]),
                         ("feishu", [(5, 1 / SCALE), (100, 60 / SCALE)])):
        mine = [r for r in records if r["kind"] == kind]
        ok = [r for r in mine if r["answer"] and (r["answer"].get("errcode") == 0 or r["answer"].get("code") == 0)]
        out[kind] = {"received": len(mine), "accepted": len(ok), "refused": len(mine) - len(ok),
                     "worst_window": [f"{max_in_window([r['at'] for r in mine], w)}/{c}" for c, w in limits]}
    return out


async def run_sender(engine, ctx, until) -> float:
    sender = Sender(engine=engine, clock=SystemClock(), ctx=ctx, timer=time.monotonic, wall=time.time, name="bench",
                    per_channel=8, max_in_flight=32)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop, poll=0.02))
    t0 = time.perf_counter()
    while not until():
        await asyncio.sleep(0.5)
    stop.set()
    await task
    return time.perf_counter() - t0


async def run_naive(engine, ctx, until, channel_names: list[str]) -> float:
    """Baseline: claim nothing, limit nothing; send each due row in due order, one at a time."""
    t0 = time.perf_counter()
    async with httpx.AsyncClient() as http:
        built = build_channels(ctx.channels, http=http, wall=time.time)
        while not until():
            now = datetime.now(timezone.utc)
            with Session(engine) as s:
                rows = s.exec(select(Notification).where(Notification.status == "pending", Notification.next_attempt_at <= now,
                                                         Notification.channel.in_(channel_names))
                              .order_by(Notification.next_attempt_at).limit(50)).all()
                if not rows:
                    await asyncio.sleep(0.01)
                    continue
                for row in rows:
                    try:
                        await built[row.channel].send(message_of(row))
                    except Exception:  # noqa: BLE001 - the naive loop drops failures, as status-only libraries do
                        pass
                    row.status = "sent"
                    s.add(row)
                    s.commit()
    return time.perf_counter() - t0


def pending(engine, names: list[str]) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Notification).where(
            Notification.status.in_(("pending", "sending", "retry")), Notification.channel.in_(names))).one()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    receivers = Receivers(tmp)
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade(engine)
    configs = TypeAdapter(list[ChannelConfig]).validate_python(channels(receivers.base))
    ctx = RoutingContext(alerts=AlertsConfig(claim_timeout="5m", batch=200, backoff="1s"), channels=tuple(configs),
                         renderer=Renderer(), base_url="http://127.0.0.1:8080")
    hooks = [f"hook{i}" for i in range(4)]
    limited = list(LIMITED)
    print(f"bench.alerts: {UNLIMITED} webhook messages due at {DUE_RATE:.0f}/s; "
          f"{sum(LIMITED.values())} robot messages with limits scaled {SCALE:.0f}x")

    # 1. unlimited, steady due rate
    start = datetime.now(timezone.utc) + timedelta(seconds=1)
    rows = [(hooks[i % 4], "webhook", start + timedelta(seconds=i / DUE_RATE)) for i in range(UNLIMITED)]
    queue(engine, rows, "a")
    due = {f"a:{i}:{c}": d.timestamp() for i, (c, _, d) in enumerate(rows)}
    secs = asyncio.run(run_sender(engine, ctx, lambda: pending(engine, hooks) == 0))
    lat = latency_figures(receivers.collect(), due)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  sender, unlimited: {lat['n']} delivered in {secs:.1f}s; due->received p50 {lat['p50']*1000:.0f} ms, "
          f"p99 {lat['p99']*1000:.0f} ms, max {lat['max']*1000:.0f} ms; peak RSS {rss_mb:.0f} MB")

    # 2. rate-limited robots, everything due at once
    now = datetime.now(timezone.utc)
    queue(engine, [(k, k, now) for k, n in LIMITED.items() for _ in range(n)], "b")
    secs_b = asyncio.run(run_sender(engine, ctx, lambda: pending(engine, limited) == 0))
    lim = limit_figures(receivers.collect())
    ideal = max(LIMITED["wecom"] / 20, LIMITED["feishu"] / 100) * 60 / SCALE
    print(f"  sender, rate limits: drained in {secs_b:.1f}s (limits allow {ideal:.1f}s at best)")
    for kind, f in lim.items():
        print(f"    {kind}: {f['accepted']}/{f['received']} accepted, refused {f['refused']}, "
              f"worst sliding window {', '.join(f['worst_window'])}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # 3. naive baseline on smaller sets
    n_naive = 2000
    start = datetime.now(timezone.utc) + timedelta(seconds=0.5)
    rows = [(hooks[i % 4], "webhook", start + timedelta(seconds=i / DUE_RATE)) for i in range(n_naive)]
    queue(engine, rows, "c")
    due_c = {f"c:{i}:{c}": d.timestamp() for i, (c, _, d) in enumerate(rows)}
    secs_c = asyncio.run(run_naive(engine, ctx, lambda: pending(engine, hooks) == 0, hooks))
    lat_c = latency_figures(receivers.collect(), due_c)
    now = datetime.now(timezone.utc)
    queue(engine, [(k, k, now) for k, n in LIMITED.items() for _ in range(n // 4)], "d")
    asyncio.run(run_naive(engine, ctx, lambda: pending(engine, limited) == 0, limited))
    lim_c = limit_figures(receivers.collect())
    print(f"  naive, unlimited: {lat_c['n']} delivered in {secs_c:.1f}s; p50 {lat_c['p50']*1000:.0f} ms, "
          f"p99 {lat_c['p99']*1000:.0f} ms, max {lat_c['max']*1000:.0f} ms")
    for kind, f in lim_c.items():
        print(f"    naive {kind}: {f['accepted']}/{f['received']} accepted, refused {f['refused']} (lost), "
              f"worst sliding window {', '.join(f['worst_window'])}")
    refused_naive = sum(f["refused"] for f in lim_c.values())
    refused = sum(f["refused"] for f in lim.values())
    print(f"  ratio: p99 sender/naive {lat['p99'] / lat_c['p99']:.1f}x (the naive loop keeps no record); refused by receivers "
          f"{refused} (sender) vs {refused_naive} of {sum(f['received'] for f in lim_c.values())} (naive); "
          f"peak RSS {rss_mb:.0f} MB")
    receivers.stop()


if __name__ == "__main__":
    main()
