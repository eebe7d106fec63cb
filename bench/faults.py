"""Reliability figures under faults (issue 20 point 15): kill -9 drills and the failover takeover time.

Run: ``.venv/bin/python -m bench.faults`` (about 10 minutes on a 2-core machine; ``--quick``: fewer kills,
about 7 minutes). Options: ``--pg URL`` (else $DATABASE_URL, else a throwaway cluster from
scripts/pg-throwaway.sh; ``--no-pg`` for SQLite only), ``--cases N`` (1,000), ``--kills N``.

1. **kill -9 drill**, on SQLite and on PostgreSQL: the real daemon (`yuqing run`, a subprocess on
   the system clock) fires the clocks of 1,000 cases opened over the drill (major emergencies whose
   clocks last seconds: 7 ladder steps each) and sends every message to a loopback webhook
   receiver (`tests.alerts.receivers.RobotServer`, which checks the signature). Meanwhile it is
   killed with SIGKILL at random moments (12 times, 5 with --quick; up 2-6 s, down 0.2-2 s, then
   restarted), then left to finish. Figures:
   - steps lost: steps never fired (still pending once everything was due and the daemon idle);
   - fired twice: steps with more than one clock event;
   - messages lost: fired steps whose event made no message, and messages never received;
   - duplicates after confirm: a message received again after its confirmation was committed (a
     watcher on its own connection polls the outbox every 50 ms and notes when each message is
     first seen confirmed; an arrival in the <= 50 ms before it saw the commit counts as in flight);
   - in-flight duplicates: a message received twice before its confirmation was seen (at least
     once: the daemon died between the receiver's answer and the write);
   - message delay: from its step firing to its first arrival (a message claimed by the killed
     daemon waits for its claim to time out);
   - lateness after restart: for steps that fell due while the daemon was down, from the moment the
     restarted daemon was ready to the step firing; and the lateness of the other steps.
2. **failover** (PostgreSQL): two daemons; the holder of the clocks lease is killed with SIGKILL
   (5 times, 2 with --quick; the killed one restarts as the standby). Figures: takeover time of the
   clocks lease and of the alerts lease (kill -> the other daemon holds it), and from the kill to
   the first message sent by the new holder of cases opened just before.

Bounded: every wait has a deadline, everything runs on loopback, and the run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from alerts.models import Notification
from bench.clocks import ROOT, fresh_pg_database, throwaway_pg
from responders.config import ClocksConfig
from responders.lease import CLOCKS_LEASE, current_holder
from responders.models import ClockEvent, ClockStep
from tests.alerts.receivers import RobotServer
from tests.yuqing.daemon_process import DaemonProcess, free_port, open_fast_cases, write_config
from yuqing.clock import SystemClock
from yuqing.db import make_engine, upgrade

SYSTEM = SystemClock()
# A "major emergency" whose clocks last seconds (as tests/responders/test_failover.py): 7 steps a case.
FAST = ClocksConfig.model_validate({
    "first_release": "24s", "press_conference": "40s",
    "ladder": {"leader_before": {"first_release": "6s", "press_conference": "8s"},
               "repeat": {"opened": 0, "reminder": 0, "leader": 0, "overdue": 0}},
})
ALERTS_LEASE = "alerts"
SECRET_ENV = "FAULTS_WEBHOOK_SECRET"
CHANNEL = """
[[channels]]
name = "指挥平台"
kind = "webhook"
url = "{url}"
secret = {{ env = "{env}" }}
bodies = ["*"]
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Receiver:
    """The loopback webhook receiver: every arrival's message key and wall time."""

    def __init__(self):
        self.server = RobotServer(enforce_limits=False).start()
        self.url = f"{self.server.base}/webhook"
        default = self.server.httpd.handle_error

        def handle_error(request, client_address):
            # A daemon killed mid-request resets its connection: expected here, not worth a traceback.
            import sys
            if not isinstance(sys.exc_info()[1], ConnectionError):
                default(request, client_address)

        self.server.httpd.handle_error = handle_error

    def arrivals(self) -> dict[str, list[float]]:
        with self.server.lock:
            records = list(self.server.received)
        out: dict[str, list[float]] = {}
        for r in records:
            key = (r.json or {}).get("key") or r.headers.get("X-Yuqing-Key")
            if key and r.answer == {"ok": True}:
                out.setdefault(key, []).append(r.wall)
        return out

    def clear(self) -> None:
        with self.server.lock:
            self.server.received.clear()

    def stop(self) -> None:
        self.server.stop()


class Fleet:
    """Daemon processes on one database, each in its own folder; systemd's notify socket drained."""

    def __init__(self, folder: Path, db_url: str, receiver: Receiver):
        self.folder, self.db_url, self.receiver = folder, db_url, receiver
        self.stop_event = threading.Event()
        self.started: list[DaemonProcess] = []
        self.count = 0

    def start(self) -> DaemonProcess:
        self.count += 1
        folder = self.folder / f"daemon{self.count}"
        folder.mkdir()
        port = free_port()
        config = write_config(folder / "config.toml", db_url=self.db_url, port=port,
                              extra=CHANNEL.format(url=self.receiver.url, env=SECRET_ENV))
        daemon = DaemonProcess(config, port, env={SECRET_ENV: self.receiver.server.settings.webhook_secret})
        self.started.append(daemon)
        daemon.wait_ready(timeout=90)
        threading.Thread(target=self._drain, args=(daemon,), daemon=True).start()
        return daemon

    def _drain(self, daemon: DaemonProcess) -> None:
        # Play systemd's part: a notify socket nobody reads would fill up.
        while not self.stop_event.is_set() and daemon.proc.poll() is None:
            try:
                daemon.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return

    @staticmethod
    def kill(daemon: DaemonProcess) -> None:
        daemon.proc.kill()
        daemon.proc.wait(10)

    def close(self) -> None:
        self.stop_event.set()
        for d in self.started:
            if d.proc.poll() is None:
                d.proc.terminate()
                try:
                    d.proc.wait(20)
                except subprocess.TimeoutExpired:
                    d.proc.kill()
                    d.proc.wait(10)
            d.stop()

    def tracebacks(self) -> int:
        return sum(d.log().count("Traceback") for d in self.started)


def open_cases(engine, n: int, tag: str) -> list[int]:
    """Open `n` fast major-emergency cases now (one transaction); return their ids."""
    return open_fast_cases(engine, n, FAST, now=SYSTEM.now(), title=f"故障演练{tag}-")


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    log(f"gave up after {timeout:.0f}s waiting for {what}")
    return None


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, tz=timezone.utc)


def idle(engine) -> bool:
    """True when no step is pending and every message is settled (sent or failed)."""
    with engine.connect() as c:
        pending = c.execute(select(func.count()).select_from(ClockStep).where(ClockStep.status == "pending")).scalar()
        unsent = c.execute(select(func.count()).select_from(Notification).where(
            Notification.status.not_in(("sent", "failed")))).scalar()
        unexpanded = c.execute(select(func.count()).select_from(ClockEvent).where(
            ~select(Notification.id).where(Notification.event_id == ClockEvent.id).exists())).scalar()
    return pending == 0 and unsent == 0 and unexpanded == 0


# ------------------------------------------------------------------------------------ kill drill

def watch_confirmations(db_url: str, stop: threading.Event, seen: dict[str, float]) -> None:
    """Note the wall time each message is first seen confirmed (status sent), polling every 50 ms."""
    engine = make_engine(db_url)
    table = Notification.__table__
    try:
        while not stop.is_set():
            try:
                with engine.connect() as c:
                    keys = c.execute(select(table.c.key).where(table.c.status == "sent")).scalars().all()
            except Exception as e:  # noqa: BLE001 - a busy database: look again at the next poll
                log(f"watcher: {type(e).__name__}")
                keys = []
            now = time.time()
            for key in keys:
                seen.setdefault(key, now)
            stop.wait(0.05)
    finally:
        engine.dispose()


def kill_drill(label: str, db_url: str, folder: Path, *, cases: int, kills: int, seed: int) -> dict:
    engine = make_engine(db_url)
    upgrade(engine)
    receiver = Receiver()
    fleet = Fleet(folder, db_url, receiver)
    rng = random.Random(seed)
    downtimes: list[tuple[datetime, datetime]] = []      # (killed at, restarted daemon ready at)
    confirmed: dict[str, float] = {}
    watching = threading.Event()
    watcher = threading.Thread(target=watch_confirmations, args=(db_url, watching, confirmed), daemon=True)
    watcher.start()
    try:
        daemon = fleet.start()
        # Open the cases in waves across the kill loop, so that steps fall due before, during and after kills.
        waves = max(1, kills * 2)
        per_wave = [cases // waves + (1 if i < cases % waves else 0) for i in range(waves)]
        opener_done = threading.Event()
        span = kills * 6.0

        def opener() -> None:
            for i, n in enumerate(per_wave):
                if n:
                    open_cases(engine, n, f"{label}{i}")
                time.sleep(span / waves)
            opener_done.set()

        threading.Thread(target=opener, daemon=True).start()
        started = time.monotonic()
        for k in range(kills):
            time.sleep(rng.uniform(2.0, 6.0))
            fleet.kill(daemon)
            killed_at = SYSTEM.now()
            time.sleep(rng.uniform(0.2, 2.0))
            daemon = fleet.start()
            downtimes.append((killed_at, SYSTEM.now()))
            log(f"{label}: kill {k + 1}/{kills} done (down {(downtimes[-1][1] - killed_at).total_seconds():.1f}s)")
        opener_done.wait(max(10.0, span * 2))
        log(f"{label}: kill loop over after {time.monotonic() - started:.0f}s; waiting for the last steps and messages")
        # Every step falls due 40 s after its case opened; then let the sender finish.
        wait_until(lambda: idle(engine), 240, f"{label}: every step fired and every message settled")
        time.sleep(3.0)                     # a few more passes: anything sent again would show now
        loop_seconds = time.monotonic() - started
        arrivals = receiver.arrivals()
        tracebacks = fleet.tracebacks()
    finally:
        watching.set()
        watcher.join(10)
        fleet.close()
        receiver.stop()

    with Session(engine) as s:
        steps = s.execute(select(ClockStep.id, ClockStep.status, ClockStep.due_at, ClockStep.fired_at,
                                 ClockStep.late_seconds)).all()
        events = Counter(s.execute(select(ClockEvent.step_id)).scalars())
        event_ids = set(s.execute(select(ClockEvent.id)).scalars())
        notes = s.execute(select(Notification.key, Notification.status, Notification.sent_at, Notification.event_id)).all()
        fired_at_of = dict(s.execute(select(Notification.key, ClockStep.fired_at)
                                     .join(ClockEvent, Notification.event_id == ClockEvent.id)
                                     .join(ClockStep, ClockEvent.step_id == ClockStep.id)).all())
    engine.dispose()

    fired = [r for r in steps if r.status == "fired"]
    lost_steps = [r for r in steps if r.status == "pending"]
    fired_twice = [step for step, n in events.items() if n > 1]
    expanded = {n.event_id for n in notes}
    events_without_messages = len(event_ids - expanded)
    never_received = [n for n in notes if n.key not in arrivals]
    after_confirm = in_flight = 0
    for n in notes:
        walls = sorted(arrivals.get(n.key, []))
        if n.key in confirmed:
            after = [w for w in walls if w > confirmed[n.key]]
            after_confirm += len(after)
            in_flight += max(0, len(walls) - len(after) - 1)
        else:
            in_flight += max(0, len(walls) - 1)
    # Message delay: from its step firing to its first arrival (a message claimed by a killed sender waits).
    delays = [min(arrivals[k]) - f.timestamp() for k, f in fired_at_of.items() if k in arrivals and f is not None]
    # Lateness after restart: steps due while the daemon was down, from the restarted daemon's readiness.
    after_restart, normal = [], []
    for r in fired:
        window = next(((k, ready) for k, ready in downtimes if k <= r.due_at <= ready), None)
        if window is not None:
            after_restart.append((r.fired_at - window[1]).total_seconds())
        else:
            normal.append(r.late_seconds or 0.0)
    return {
        "label": label, "cases": cases, "kills": len(downtimes), "steps": len(steps), "steps_fired": len(fired),
        "steps_lost": len(lost_steps), "fired_twice": len(fired_twice),
        "messages": len(notes), "messages_sent": sum(1 for n in notes if n.status == "sent"),
        "messages_lost": len(never_received) + events_without_messages,
        "duplicates_after_confirm": after_confirm, "in_flight_duplicates": in_flight,
        "due_while_down": len(after_restart),
        "after_restart_p50": pct(after_restart, 50), "after_restart_max": max(after_restart, default=0.0),
        "late_p50": pct(normal, 50), "late_p99": pct(normal, 99), "late_max": max(normal, default=0.0),
        "delay_p50": pct(delays, 50), "delay_p99": pct(delays, 99), "delay_max": max(delays, default=0.0),
        "delayed_15s": sum(1 for d in delays if d > 15.0),
        "down_mean": statistics.fmean([(b - a).total_seconds() for a, b in downtimes]) if downtimes else 0.0,
        "seconds": loop_seconds, "tracebacks": tracebacks,
    }


# ------------------------------------------------------------------------------------ failover

def failover(db_url: str, folder: Path, *, kills: int, seed: int) -> dict:
    engine = make_engine(db_url)
    upgrade(engine)
    receiver = Receiver()
    fleet = Fleet(folder, db_url, receiver)
    rng = random.Random(seed)
    clocks_takeover, alerts_takeover, first_message = [], [], []
    try:
        daemons = [fleet.start(), fleet.start()]
        for k in range(kills):
            holder = wait_until(lambda: current_holder(engine, SYSTEM.now(), name=CLOCKS_LEASE), 30, "a clocks lease holder")
            wait_until(lambda: current_holder(engine, SYSTEM.now(), name=ALERTS_LEASE), 30, "an alerts lease holder")
            if holder is None:
                break
            leader = next((d for d in daemons if holder.endswith(f":{d.proc.pid}")), None)
            if leader is None:
                break
            time.sleep(rng.uniform(1.0, 3.0))
            receiver.clear()
            ids = open_cases(engine, 5, f"f{k}")          # their opening notices are due at once
            kill_wall = time.time()
            fleet.kill(leader)
            killed_at = SYSTEM.now()
            standby = next(d for d in daemons if d is not leader)
            mark = f":{standby.proc.pid}"
            took = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(took) < 3:
                now = SYSTEM.now()
                for name in (CLOCKS_LEASE, ALERTS_LEASE):
                    h = current_holder(engine, now, name=name)
                    if name not in took and h is not None and h.endswith(mark):
                        took[name] = (now - killed_at).total_seconds()
                if "message" not in took:
                    walls = [w for ws in receiver.arrivals().values() for w in ws if w > kill_wall]
                    if walls:
                        took["message"] = min(walls) - kill_wall
                time.sleep(0.1)
            clocks_takeover.append(took.get(CLOCKS_LEASE, float("nan")))
            alerts_takeover.append(took.get(ALERTS_LEASE, float("nan")))
            first_message.append(took.get("message", float("nan")))
            log(f"failover {k + 1}/{kills}: clocks {clocks_takeover[-1]:.1f}s, alerts {alerts_takeover[-1]:.1f}s, "
                f"first message {first_message[-1]:.1f}s after the kill ({len(ids)} cases opened just before)")
            daemons = [standby, fleet.start()]
        tracebacks = fleet.tracebacks()
    finally:
        fleet.close()
        receiver.stop()
        engine.dispose()
    return {"kills": len(clocks_takeover), "clocks": clocks_takeover, "alerts": alerts_takeover,
            "message": first_message, "tracebacks": tracebacks}


# ------------------------------------------------------------------------------------ report

def print_drill(r: dict) -> None:
    print(f"\nkill -9 drill on {r['label']}: {r['cases']} cases, {r['kills']} SIGKILLs (mean downtime "
          f"{r['down_mean']:.1f}s incl. restart), {r['seconds']:.0f}s")
    print(f"  steps: {r['steps']} planned, {r['steps_fired']} fired; lost {r['steps_lost']}, fired twice {r['fired_twice']}")
    print(f"  messages: {r['messages']} queued, {r['messages_sent']} confirmed; lost {r['messages_lost']}, "
          f"duplicates after confirm {r['duplicates_after_confirm']}, in-flight duplicates {r['in_flight_duplicates']}")
    print(f"  message delay, step fired -> received: p50 {r['delay_p50']:.1f}s, p99 {r['delay_p99']:.1f}s, "
          f"max {r['delay_max']:.1f}s; {r['delayed_15s']} messages over 15 s")
    print(f"  lateness after restart ({r['due_while_down']} steps due while down): p50 {r['after_restart_p50']:.1f}s, "
          f"max {r['after_restart_max']:.1f}s after the restarted daemon was ready")
    print(f"  lateness of the other steps: p50 {r['late_p50']:.1f}s, p99 {r['late_p99']:.1f}s, max {r['late_max']:.1f}s")
    print(f"  tracebacks in the daemons' logs: {r['tracebacks']}")


def print_failover(r: dict) -> None:
    def show(values):
        good = [v for v in values if v == v]
        missing = len(values) - len(good)
        text = ", ".join(f"{v:.1f}" for v in values)
        return f"{text} s (max {max(good, default=float('nan')):.1f} s{'; ' + str(missing) + ' never' if missing else ''})"
    print(f"\nfailover on PostgreSQL: {r['kills']} SIGKILLs of the clocks lease holder of two daemons")
    print(f"  clocks lease taken over after: {show(r['clocks'])}")
    print(f"  alerts lease taken over after: {show(r['alerts'])}")
    print(f"  first message of cases opened just before the kill, after: {show(r['message'])}")
    print(f"  tracebacks in the daemons' logs: {r['tracebacks']}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.faults")
    parser.add_argument("--quick", action="store_true", help="fewer kills (5 per drill, 2 failovers)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=None, help="SIGKILLs per drill (12; 5 with --quick)")
    parser.add_argument("--failovers", type=int, default=None, help="lease-holder kills (5; 2 with --quick)")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default $DATABASE_URL, else a throwaway cluster)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    kills = args.kills if args.kills is not None else (5 if args.quick else 12)
    failovers = args.failovers if args.failovers is not None else (2 if args.quick else 5)
    os.environ.pop("DATABASE_URL", None) if args.no_pg else None
    results, fail = [], None
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "sqlite").mkdir()
        results.append(kill_drill("SQLite", f"sqlite:///{tmp_path / 'sqlite' / 'faults.db'}", tmp_path / "sqlite",
                                  cases=args.cases, kills=kills, seed=args.seed))
        print_drill(results[-1])
        pg_url, pg_folder = (None, None)
        if not args.no_pg:
            pg_url = args.pg or os.environ.get("DATABASE_URL")
            if pg_url is None:
                pg_url, pg_folder = throwaway_pg()
        try:
            if pg_url:
                (tmp_path / "pg").mkdir()
                results.append(kill_drill("PostgreSQL", fresh_pg_database(pg_url), tmp_path / "pg",
                                          cases=args.cases, kills=kills, seed=args.seed + 1))
                print_drill(results[-1])
                (tmp_path / "failover").mkdir()
                fail = failover(fresh_pg_database(pg_url), tmp_path / "failover", kills=failovers, seed=args.seed + 2)
                print_failover(fail)
            else:
                print("\nno PostgreSQL server: the PostgreSQL drill and the failover were not run")
        finally:
            if pg_folder:
                subprocess.run([str(ROOT / "scripts/pg-throwaway.sh"), "stop", pg_folder], check=False)
    bad = [r["label"] for r in results if r["steps_lost"] or r["fired_twice"] or r["messages_lost"]
           or r["duplicates_after_confirm"]]
    print("\nverdict: " + ("0 steps lost, 0 fired twice, 0 messages lost, 0 duplicates after confirm on "
                            + " and ".join(r["label"] for r in results) if not bad else "FAULTS on " + ", ".join(bad)))


if __name__ == "__main__":
    main()
