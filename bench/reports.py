"""Benchmark the 通报 computation over a month of history (run: python -m bench.reports).

History: N cases over 2026-11 (SQLite file in a temporary folder), each with a 48 h
clock (met, late or unanswered), a confirmed response for most, a reassignment for
one case in ten, an escalation step for the late ones.

Figures printed:
1. `build_report` for the month (both the month and the month before are read),
   median of 3, and its peak Python memory (tracemalloc);
2. the rendering of the four formats;
3. a naive baseline in the same process: the on-time rate per body computed the
   obvious way, one query for each case's clocks and one for its responses (N+1),
   and the ratio against (1).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from responders.models import AuditEntry, Case, Clock, ClockStep, Response
from responders.reports import RENDERERS, build_report, parse_period
from yuqing.db import make_engine, upgrade

CST = ZoneInfo("Asia/Shanghai")
MODES = ("authoritative_info", "press_conference", "weibo_wechat", "media_interview", "online_interview", "other")


def populate(session: Session, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=CST).astimezone(timezone.utc)
    tables: dict[str, list] = {"case": [], "clock": [], "other": []}
    bodies = [{"name": f"第{i}县教育局", "locality": f"山西省某市第{i}县", "sector": "education"} for i in range(60)]
    for i in range(n):
        opened = start + timedelta(minutes=rnd.randrange(0, 30 * 24 * 60))
        body = rnd.choice(bodies)
        case = Case(id=i + 1, title=f"案件{i}", opened_at=opened, severity="general", criteria=["public_interest"],
                    sectors=["education"], localities=[body["locality"]], first_body=body["name"],
                    responsible={"first": [body], "lead": None}, acknowledged_at=opened + timedelta(minutes=rnd.randrange(1, 120)))
        tables["case"].append(case)
        due = opened + timedelta(hours=48)
        fate = rnd.random()
        if fate < 0.7:
            at = opened + timedelta(hours=rnd.uniform(1, 47))
            clock = Clock(id=i + 1, case_id=case.id, kind="response", hours=48, started_at=opened, due_at=due, status="met", stopped_at=at)
        elif fate < 0.9:
            at = due + timedelta(hours=rnd.uniform(1, 20))
            clock = Clock(id=i + 1, case_id=case.id, kind="response", hours=48, started_at=opened, due_at=due, status="overdue", stopped_at=at)
        else:
            at = None
            clock = Clock(id=i + 1, case_id=case.id, kind="response", hours=48, started_at=opened, due_at=due, status="overdue")
        tables["clock"].append(clock)
        if at is not None:
            tables["other"].append(Response(case_id=case.id, clock_kind="response", mode=rnd.choice(MODES), at=at,
                                 recorded_by="bench", recorded_at=at))
        if fate >= 0.7:
            tables["other"].append(ClockStep(clock_id=clock.id, case_id=case.id, step="overdue", due_at=due, status="fired", fired_at=due))
        if i % 10 == 0:
            tables["other"].append(AuditEntry(case_id=case.id, at=opened + timedelta(hours=1), actor="bench", action="reassign",
                                   detail={"old_first": [rnd.choice(bodies)], "new": case.responsible}))
    for name in ("case", "clock", "other"):     # parents first: the rows have no ORM relationships to order them
        session.add_all(tables[name])
        session.flush()
    session.commit()


def naive_rates(session: Session, start: datetime, end: datetime) -> dict[str, float]:
    """Return the on-time rate per body, one query per case for clocks and one for responses."""
    met: dict[str, int] = {}
    total: dict[str, int] = {}
    for case in session.exec(select(Case)).all():
        for clock in session.exec(select(Clock).where(Clock.case_id == case.id)).all():
            answers = session.exec(select(Response).where(Response.case_id == case.id)).all()
            first = min((r.at for r in answers), default=None)
            decided = first if clock.status == "met" else clock.due_at
            if decided is None or not (start <= decided < end):
                continue
            name = case.responsible["first"][0]["name"]
            total[name] = total.get(name, 0) + 1
            met[name] = met.get(name, 0) + (clock.status == "met")
    return {k: met[k] / total[k] for k in total}


def main(n: int = 20_000) -> None:
    folder = tempfile.mkdtemp(prefix="bench-reports-")
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    t0 = time.perf_counter()
    with Session(engine) as session:
        populate(session, n)
    print(f"history: {n} cases over 2026-11 in {time.perf_counter() - t0:.1f} s")
    now = datetime(2026, 12, 5, tzinfo=timezone.utc)
    period = parse_period("2026-11", now=now)
    times = []
    for _ in range(3):
        with Session(engine) as session:
            t = time.perf_counter()
            report = build_report(session, period, now=now)
            times.append(time.perf_counter() - t)
    build = statistics.median(times)
    tracemalloc.start()
    with Session(engine) as session:
        build_report(session, period, now=now)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    every = report.current.clock("all")
    print(f"build_report(month): {build * 1000:.0f} ms median of 3; peak Python memory {peak:.0f} MiB; "
          f"{every.decided} clocks judged, on-time {every.on_time_rate:.1%}, {len(report.current.bodies)} bodies")
    for fmt, render in RENDERERS.items():
        t = time.perf_counter()
        size = len(render(report))
        print(f"render {fmt}: {(time.perf_counter() - t) * 1000:.0f} ms, {size / 1024:.0f} KiB")
    with Session(engine) as session:
        t = time.perf_counter()
        rates = naive_rates(session, period.start, period.end)
        naive = time.perf_counter() - t
    print(f"naive per-case queries (on-time rate per body only): {naive * 1000:.0f} ms for {len(rates)} bodies; "
          f"ratio {naive / build:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
