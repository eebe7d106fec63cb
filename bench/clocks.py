"""Benchmark the clock loop with 100,000 running clocks (run: python -m bench.clocks [--pg URL] [--clocks N]).

For SQLite (a fresh file) and PostgreSQL (`--pg URL`, else $DATABASE_URL, else a
throwaway cluster from scripts/pg-throwaway.sh), on the 山西 example directory:

1. lateness under polling load: 100,000 running clocks (3 pending ladder steps each);
   3,000 more steps fall due during a 30 s window while another thread keeps the
   database busy the way the poller and the web UI do (an item + event insert every
   50 ms, an open-case list query every 200 ms). The loop is the daemon's own clock job
   (`yuqing.jobs.clock_job`, lease included) on a 1 s tick; a watcher on another
   connection polls the outbox every 20 ms. Lateness = first visible - due, per step.
2. catch-up after one hour down: 10,000 of the clocks have 2 steps each that fell due
   during the last hour (20,000 steps); time to fire them all with `fire_due_steps`.
3. naive baseline in the same run: per-row SELECT, UPDATE and commit (ORM, one step at a
   time, the same recipient resolution) over a 2,000-step sample of the same catch-up;
   its projected time for all 20,000 steps and the ratio are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlmodel import Session

from monitor.models import Event, Item, Source
from responders.config import ClocksConfig
from responders.directory import build_directory
from responders.firing import event_payload, fire_due_steps
from responders.ladder import EVENT_KIND, Recipients
from responders.models import Case, Clock, ClockEvent, ClockStep
from yuqing.clock import SystemClock
from yuqing.config import load_config
from yuqing.db import make_engine, upgrade
from yuqing.jobs import clock_job
from yuqing.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = SystemClock()
CHUNK = 10_000


def populate(engine, directory, *, clocks: int, window: int, catchup_clocks: int, now: datetime) -> list[int]:
    """Insert `clocks` running 48 h clocks with 3 pending steps each (bulk, Core); return the window step ids.

    The window steps are parked a year ahead; `lateness_run` moves them into its window.
    """
    rng = random.Random(7)
    bodies = [b for b in directory.bodies.values() if b.sector]
    ids = iter(range(1, 10**9))
    with engine.begin() as c:
        for start in range(0, clocks, CHUNK):
            n = min(CHUNK, clocks - start)
            case_rows, clock_rows, step_rows = [], [], []
            for i in range(start, start + n):
                body = bodies[i % len(bodies)]
                case_rows.append({"id": i + 1, "title": f"基准事件{i}", "status": "open", "opened_at": now - timedelta(hours=1),
                                  "opened_by": "system", "severity": "general", "especially_major": False,
                                  "criteria": ["public_interest"], "localities": [body.locality], "sectors": [body.sector],
                                  "rule": "single_locality", "first_body": body.name, "drill": False,
                                  "responsible": {"rule": "single_locality", "first": [
                                      {"name": body.name, "locality": body.locality, "sector": body.sector}],
                                      "lead": None, "co_responders": [], "coordinators": [], "leader": None,
                                      "trace": ["基准"]}, "rationale": []})
                clock_rows.append({"id": i + 1, "case_id": i + 1, "kind": "response", "hours": 48.0,
                                   "started_at": now - timedelta(hours=1), "due_at": now + timedelta(hours=47),
                                   "status": "running"})
                if i < catchup_clocks:
                    dues = sorted(now - timedelta(seconds=rng.uniform(0, 3600)) for _ in range(2))
                    dues.append(now + timedelta(hours=47))
                else:
                    dues = sorted(now + timedelta(seconds=rng.uniform(3600, 47 * 3600)) for _ in range(3))
                for step, due in zip(("reminder", "leader", "overdue"), dues):
                    step_rows.append({"id": next(ids), "clock_id": i + 1, "case_id": i + 1, "step": step, "due_at": due,
                                      "status": "pending", "repeat_seconds": 1800, "attempt": 0, "failures": 0})
            c.execute(insert(Case.__table__), case_rows)
            c.execute(insert(Clock.__table__), clock_rows)
            c.execute(insert(ClockStep.__table__), step_rows)
        # The lateness window: `window` more steps on random clocks, due over the next seconds.
        first_id = next(ids)
        rows = [{"id": first_id + k, "clock_id": rng.randrange(catchup_clocks + 1, clocks + 1), "step": "reminder",
                 "due_at": now + timedelta(days=365), "status": "pending",
                 "repeat_seconds": 1800, "attempt": 0, "failures": 0} for k in range(window)]
        for r in rows:
            r["case_id"] = r["clock_id"]
        c.execute(insert(ClockStep.__table__), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for table in ("case", "clock", "clockstep", "clockevent"):
                c.exec_driver_sql(f'ANALYZE "{table}"')
            for table in ("case", "clock", "clockstep"):
                c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
    return [r["id"] for r in rows]


def polling_load(engine, stop: threading.Event, counts: dict) -> None:
    """Keep the database busy like the poller and the web UI: inserts every 50 ms, list queries every 200 ms."""
    with Session(engine) as s:
        source = Source(name=f"bench-{os.getpid()}", kind="feed", created_at=SYSTEM.now())
        s.add(source)
        s.commit()
        k = 0
        while not stop.wait(0.05):
            now = SYSTEM.now()
            event = Event(title=f"负载{k}", first_seen_at=now, last_seen_at=now)
            s.add(event)
            s.flush()
            s.add(Item(source_id=source.id, external_id=str(k), event_id=event.id, url=f"https://example.org/{k}",
                       fetched_at=now, content_hash=f"{k:064d}"))
            s.commit()
            counts["writes"] += 1
            if k % 4 == 0:
                s.exec(select(Case.id, Case.title).where(Case.status == "open").order_by(Case.opened_at.desc()).limit(50)).all()
                counts["reads"] += 1
            k += 1


def watch_events(engine, stop: threading.Event, seen: dict[int, datetime]) -> None:
    """Record when each ClockEvent first becomes visible to another connection (polled every 20 ms)."""
    last = 0
    with engine.connect() as c:
        while not stop.wait(0.02):
            rows = c.execute(select(ClockEvent.id, ClockEvent.step_id).where(ClockEvent.id > last).order_by(ClockEvent.id)).all()
            c.rollback()
            now = SYSTEM.now()
            for event_id, step_id in rows:
                seen.setdefault(step_id, now)
                last = event_id


def lateness_run(engine, config, *, window_ids: list[int], window_seconds: float) -> dict:
    """Run the daemon's clock job on a 1 s tick for the window; return per-step lateness (visible - due)."""
    stop = threading.Event()
    counts = {"writes": 0, "reads": 0}
    seen: dict[int, datetime] = {}
    threads = [threading.Thread(target=polling_load, args=(engine, stop, counts), daemon=True),
               threading.Thread(target=watch_events, args=(engine, stop, seen), daemon=True)]
    for t in threads:
        t.start()
    runtime = Runtime(config, SYSTEM, engine=engine)
    runtime.directory          # built once, as the daemon does at its first tick
    job = clock_job(runtime)

    async def scheduler() -> None:
        # APScheduler's IntervalTrigger(seconds=1) with max_instances=1, as in yuqing.daemon.
        end = time.monotonic() + window_seconds + 8
        tick = time.monotonic()
        while tick < end:
            await job(runtime)
            tick += 1.0
            while tick < time.monotonic():
                tick += 1.0          # coalesced: a run that overran skips the missed ticks
            await asyncio.sleep(tick - time.monotonic())

    asyncio.run(scheduler())
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(5)
    with engine.connect() as c:
        due = dict(c.execute(select(ClockStep.id, ClockStep.due_at).where(ClockStep.id.in_(window_ids))).all())
    lateness = sorted((seen[i] - due[i]).total_seconds() for i in window_ids if i in seen)
    return {"steps": len(lateness), "missing": len(window_ids) - len(lateness), "p50": statistics.median(lateness),
            "p99": lateness[max(0, int(len(lateness) * 0.99) - 1)], "max": lateness[-1],
            "writes": counts["writes"], "reads": counts["reads"]}


def naive_fire(engine, directory, config, now: datetime, limit: int) -> int:
    """Fire due steps one at a time: SELECT one row, UPDATE it, write its event, commit (the baseline)."""
    recipients = Recipients(directory, config)
    fired = 0
    with Session(engine) as s:
        while fired < limit:
            step = s.execute(select(ClockStep).where(ClockStep.status == "pending", ClockStep.due_at <= now)
                             .order_by(ClockStep.due_at).limit(1)).scalars().first()
            if step is None:
                break
            clock, case = s.get(Clock, step.clock_id), s.get(Case, step.case_id)
            step.status, step.fired_at, step.late_seconds = "fired", now, (now - step.due_at).total_seconds()
            s.add(ClockEvent(case_id=case.id, clock_id=clock.id, step_id=step.id, kind=EVENT_KIND[step.step], created_at=now,
                             recipients=recipients.for_step(step.step, responsible=case.responsible,
                                                            especially_major=case.especially_major, at=now),
                             payload=event_payload(case=case.model_dump(), clock=clock.model_dump(), step=step.step,
                                                   attempt=step.attempt, late_seconds=step.late_seconds, evidence=[])))
            s.commit()
            fired += 1
    return fired


def reset_catchup(engine, fired_before: datetime) -> None:
    """Undo a catch-up run: the fired steps pending again, their events and repeats gone."""
    with engine.begin() as c:
        c.execute(delete(ClockEvent.__table__).where(ClockEvent.created_at >= fired_before))
        c.execute(delete(ClockStep.__table__).where(ClockStep.attempt > 0, ClockStep.due_at >= fired_before))
        c.execute(update(ClockStep.__table__).where(ClockStep.fired_at >= fired_before)
                  .values(status="pending", fired_at=None, late_seconds=None, fired_by=None))
        c.execute(update(Clock.__table__).where(Clock.status != "running").values(status="running", reason=None))


def run_backend(label: str, url: str, app_config, directory, *, clocks: int, catchup_clocks: int, window: int,
                window_seconds: float, naive_sample: int) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    config = ClocksConfig()
    started = time.perf_counter()
    window_ids = populate(engine, directory, clocks=clocks, window=window, catchup_clocks=catchup_clocks, now=SYSTEM.now())
    setup = time.perf_counter() - started
    out = {"backend": label, "setup_s": setup}

    # 2. catch-up first (its steps are already due); then reset for the baseline.
    now = SYSTEM.now()
    started = time.perf_counter()
    with Session(engine) as s:
        fired = fire_due_steps(s, now, directory=directory, config=config, holder="bench")
    out["catchup_steps"], out["catchup_s"] = fired, time.perf_counter() - started
    reset_catchup(engine, now)
    started = time.perf_counter()
    naive = naive_fire(engine, directory, config, now, naive_sample)
    naive_s = time.perf_counter() - started
    out["naive_steps"], out["naive_s"] = naive, naive_s
    out["naive_projected_s"] = naive_s / naive * fired if naive else float("nan")
    with Session(engine) as s:            # finish the catch-up so the lateness run starts clean
        fire_due_steps(s, SYSTEM.now(), directory=directory, config=config, holder="bench")

    # 1. lateness under polling load: move the window steps into the next seconds.
    base = SYSTEM.now() + timedelta(seconds=5)
    with engine.begin() as c:
        c.execute(update(ClockStep.__table__).where(ClockStep.id == bindparam("b_id")).values(due_at=bindparam("b_due")),
                  [{"b_id": i, "b_due": base + timedelta(seconds=window_seconds * k / window)} for k, i in enumerate(window_ids)])
    out.update(lateness_run(engine, app_config, window_ids=window_ids, window_seconds=window_seconds))
    with engine.connect() as c:
        out["running_clocks"] = c.execute(select(func.count()).select_from(Clock.__table__).where(Clock.status == "running")).scalar()
    engine.dispose()
    return out


def fresh_pg_database(url: str) -> str:
    """Create an empty database beside `url`'s and return its URL (each run starts from nothing)."""
    admin = make_engine(url)
    name = f"bench_clocks_{os.getpid()}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def throwaway_pg() -> tuple[str | None, str | None]:
    folder = tempfile.mkdtemp(prefix="bench-pg-")
    os.chmod(folder, 0o755)
    try:
        url = subprocess.run([str(ROOT / "scripts/pg-throwaway.sh"), "start", folder], check=True, capture_output=True,
                             text=True, timeout=120).stdout.strip()
        return url, folder
    except (subprocess.SubprocessError, OSError) as e:
        print(f"PostgreSQL not available ({e}); SQLite only")
        return None, None


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--catchup-clocks", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=3_000)
    parser.add_argument("--window-seconds", type=float, default=30.0)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    app_config = load_config(ROOT / "config.toml", environ={})
    directory = build_directory(app_config.directory)

    targets = []
    if args.only != "postgresql":
        targets.append(("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='bench-clocks-')}/clocks.db"))
    pg_folder = None
    if args.only != "sqlite":
        url = args.pg
        if not url:
            url, pg_folder = throwaway_pg()
        if url:
            targets.append(("postgresql", fresh_pg_database(url)))
    kw = dict(clocks=args.clocks, catchup_clocks=args.catchup_clocks, window=args.window,
              window_seconds=args.window_seconds, naive_sample=args.naive_sample)
    try:
        for label, url in targets:
            r = run_backend(label, url, app_config, directory, **kw)
            print(f"[{label}] {r['running_clocks']:,} running clocks (setup {r['setup_s']:.1f}s)")
            print(f"[{label}] lateness under polling load: {r['steps']:,} steps ({r['missing']} never fired), p50 {r['p50'] * 1000:.0f} ms, "
                  f"p99 {r['p99'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms "
                  f"(load: {r['writes']:,} item/event commits, {r['reads']:,} case-list queries)")
            print(f"[{label}] catch-up after 1 h down: {r['catchup_steps']:,} steps of {args.catchup_clocks:,} clocks "
                  f"in {r['catchup_s']:.2f}s ({r['catchup_steps'] / r['catchup_s']:,.0f} steps/s)")
            print(f"[{label}] naive per-row SELECT/UPDATE/commit: {r['naive_steps']:,} steps in {r['naive_s']:.2f}s "
                  f"-> {r['naive_projected_s']:.1f}s projected for {r['catchup_steps']:,}; "
                  f"ratio {r['naive_projected_s'] / r['catchup_s']:.1f}x")
    finally:
        if pg_folder:
            subprocess.run([str(ROOT / "scripts/pg-throwaway.sh"), "stop", pg_folder], check=False)


if __name__ == "__main__":
    main()
