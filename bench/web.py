"""Benchmark the officer's pages with 10,000 open cases on SQLite (run: python -m bench.web [--cases N]).

1. a fresh SQLite file with N open cases (1 or 2 running clocks each, 4 ladder steps per
   clock, an audit entry), 50 of them "busy" (30 items, 12 notifications with 2 delivery
   attempts each, 10 audit entries);
2. the real app (`yuqing.web.create_app`) served by uvicorn in a child process on
   127.0.0.1; the load generator (httpx, 4 concurrent signed-in clients) in this process;
3. timings per request: the dashboard (`/`, first page of the most urgent cases), the
   list refresh (`/cases/rows`), the case page of a busy case (`/cases/{id}`);
4. naive baseline in the same run, same server: `/naive` loads every open case with the
   ORM, its clocks one query per case, sorts in Python and renders every row with the
   same template (what a first version would do).

Targets (issue 8): dashboard p95 < 200 ms, case page p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from fastapi import Request
from sqlalchemy import insert, select
from sqlmodel import Session

from alerts.models import DeliveryAttempt, Notification
from monitor.models import Event, Item, Source
from responders.models import AuditEntry, Case, Clock, ClockStep
from yuqing.clock import SystemClock
from yuqing.config import load_config
from yuqing.db import make_engine, upgrade
from yuqing.runtime import Runtime
from yuqing.tables import User
from yuqing.web import create_app
from yuqing.web.accounts import hash_password
from yuqing.web.queries import Dashboard, DashboardRow, clock_state, is_active

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1"
CHUNK = 5000


def populate(engine, directory, *, cases: int, now: datetime, busy: int = 50) -> list[int]:
    """Insert `cases` open cases with clocks, steps and audit rows (bulk, Core); return the busy case ids."""
    rng = random.Random(8)
    bodies = [b for b in directory.bodies.values() if b.sector]
    case_rows, clock_rows, step_rows, audit_rows = [], [], [], []
    clock_id = 0
    for cid in range(1, cases + 1):
        body = rng.choice(bodies)
        major = rng.random() < 0.3
        opened = now - timedelta(minutes=rng.randint(0, 60 * 50))
        responsible = {"rule": "single_locality", "first": [{"name": body.name, "locality": body.locality,
                                                             "sector": body.sector}],
                       "lead": None, "co_responders": [], "coordinators": [], "leader": None,
                       "trace": ["涉及单一县（区）（A-2，晋政办发〔2016〕138号 二（一））"]}
        case_rows.append(dict(id=cid, title=f"基准案件 {cid}：{body.name}相关舆情", status="open", opened_at=opened,
                              opened_by="system", severity="major_emergency" if major else "general",
                              especially_major=False, criteria=["public_interest"], localities=[body.locality],
                              sectors=[body.sector], rule="single_locality", first_body=body.name,
                              responsible=responsible, rationale=["基准数据"], drill=False))
        for kind, hours in ([("first_release", 5), ("press_conference", 24)] if major else [("response", 48)]):
            clock_id += 1
            due = opened + timedelta(hours=hours)
            clock_rows.append(dict(id=clock_id, case_id=cid, kind=kind, hours=hours, started_at=opened, due_at=due,
                                   status="running"))
            for i, step in enumerate(("opened", "reminder", "leader", "overdue")):
                at = opened + timedelta(hours=hours) * (0, 0.5, 0.8, 1)[i]
                step_rows.append(dict(clock_id=clock_id, case_id=cid, step=step, due_at=at,
                                      status="fired" if at <= now else "pending", attempt=0))
        audit_rows.append(dict(case_id=cid, at=opened, actor="system", action="open_case", detail={"bench": True}))
    with engine.begin() as c:
        for table, rows in ((Case, case_rows), (Clock, clock_rows), (ClockStep, step_rows), (AuditEntry, audit_rows)):
            for i in range(0, len(rows), CHUNK):
                c.execute(insert(table), rows[i:i + CHUNK])
    busy_ids = rng.sample(range(1, cases + 1), busy)
    with Session(engine) as s:
        source = Source(name="基准源", kind="feed", created_at=now)
        s.add(source)
        s.flush()
        for cid in busy_ids:
            event = Event(title=f"事件 {cid}", first_seen_at=now, last_seen_at=now)
            s.add(event)
            s.flush()
            s.get(Case, cid).event_id = event.id
            for j in range(30):
                s.add(Item(source_id=source.id, external_id=f"{cid}-{j}", event_id=event.id, title=f"信息 {j}",
                           text="正文" * 50, url=f"https://news.example.org/{cid}/{j}", fetched_at=now,
                           published_at=now, content_hash=f"{cid}-{j}"))
            for j in range(12):
                n = Notification(key=f"{cid}:{j}", case_id=cid, kind="reminder", channel="值班邮箱",
                                 channel_kind="email", recipient="联络人", body="b", status="sent", created_at=now,
                                 next_attempt_at=now, attempts=2, sent_at=now)
                s.add(n)
                s.flush()
                s.add(DeliveryAttempt(notification_id=n.id, at=now, ok=False, error="timeout"))
                s.add(DeliveryAttempt(notification_id=n.id, at=now, ok=True, answer="250 OK"))
            for j in range(10):
                s.add(AuditEntry(case_id=cid, at=now, actor="officer", action="acknowledge", detail={"n": j}))
        s.add(User(username="bench", password_hash=hash_password(PASSWORD), role="admin", created_at=now))
        s.commit()
    return busy_ids


def naive_dashboard(request: Request):
    """The baseline: every open case by ORM, its clocks one query each, sorted and rendered in full."""
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    rows = []
    with Session(runtime.engine) as s:
        user = s.get(User, request.session.get("uid"))
        for case in s.execute(select(Case).where(Case.status == "open")).scalars().all():
            clocks = s.execute(select(Clock).where(Clock.case_id == case.id)).scalars().all()
            active = sorted((c for c in clocks if is_active(c)), key=lambda c: c.due_at)
            nxt = active[0] if active else None
            rows.append(DashboardRow(case, list(clocks), nxt, clock_state(nxt, now) if nxt else "answered"))
    far = datetime.max.replace(tzinfo=timezone.utc)
    rows.sort(key=lambda r: (r.next_clock.due_at if r.next_clock else far, r.case.id))
    board = Dashboard(rows, len(rows), sum(r.state == "overdue" for r in rows),
                      sum(r.case.acknowledged_at is None for r in rows), 1, 1)
    return request.app.state.renderer.page(request, "dashboard.html", {"user": user, "board": board})


def serve(config, port: int) -> None:
    """Child process: the real app plus the baseline route, on 127.0.0.1:port."""
    import uvicorn

    runtime = Runtime(config, SystemClock())
    app = create_app(runtime)
    app.add_api_route("/naive", naive_dashboard, include_in_schema=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in_client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 303, answer.text
    return client


def load(base: str, paths: list[str], *, concurrency: int) -> list[float]:
    """Fetch every path (spread over `concurrency` signed-in clients); return the latencies in ms."""
    clients = [signed_in_client(base) for _ in range(concurrency)]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for path in paths[i::concurrency]:
            t = time.perf_counter()
            answer = clients[i].get(path)
            ms = (time.perf_counter() - t) * 1000
            assert answer.status_code == 200, (path, answer.status_code)
            with lock:
                latencies.append(ms)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return latencies


def summary(name: str, ms: list[float]) -> dict:
    ms = sorted(ms)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    row = {"page": name, "requests": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1),
           "max_ms": round(ms[-1], 1)}
    print(f"{name:<34} n={row['requests']:<4} p50={row['p50_ms']:>8.1f} ms  p95={row['p95_ms']:>8.1f} ms  "
          f"max={row['max_ms']:>8.1f} ms")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="yq-bench-web-"))
    os.environ["YUQING__STORAGE__URL"] = f"sqlite:///{tmp / 'bench.db'}"
    config = load_config(ROOT / "config.toml")
    config = config.model_copy(update={"state_dir": str(tmp / "state")})
    engine = make_engine(config.database_url())
    upgrade(engine)
    runtime = Runtime(config, SystemClock(), engine=engine)
    t = time.perf_counter()
    busy = populate(engine, runtime.directory, cases=args.cases, now=SystemClock().now())
    engine.dispose()
    print(f"populated {args.cases} open cases in {time.perf_counter() - t:.1f} s ({tmp / 'bench.db'})")

    port = free_port()
    child = multiprocessing.get_context("fork").Process(target=serve, args=(config, port), daemon=True)
    child.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        rng = random.Random(3)
        load(base, ["/", f"/cases/{busy[0]}"], concurrency=1)                      # warm up
        rows = []
        for concurrency in sorted({1, args.concurrency}):
            print(f"-- {concurrency} concurrent client(s)")
            rows += [
                summary("dashboard /", load(base, ["/"] * args.requests, concurrency=concurrency)),
                summary("list refresh /cases/rows", load(base, ["/cases/rows"] * args.requests, concurrency=concurrency)),
                summary("case page /cases/{id} (busy)", load(base, [f"/cases/{rng.choice(busy)}"
                                                                    for _ in range(args.requests)], concurrency=concurrency)),
            ]
            for row in rows[-3:]:
                row["concurrency"] = concurrency
        naive = summary("naive dashboard (all rows, N+1), 1 client", load(base, ["/naive"] * 5, concurrency=1))
    finally:
        child.terminate()
        child.join(10)
    ratio = naive["p95_ms"] / rows[0]["p95_ms"]
    print(f"1 client: dashboard p95 {rows[0]['p95_ms']} ms (target < 200), case page p95 {rows[2]['p95_ms']} ms "
          f"(target < 100); naive/dashboard p95 ratio {ratio:.0f}x")
    print(json.dumps({"cases": args.cases, "rows": rows + [naive], "ratio_p95": round(ratio, 1)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
