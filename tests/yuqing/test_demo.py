"""`yuqing demo` end to end: a real subprocess at high speed, read through the outbox and the API.

What a newcomer must see within three minutes (issue 10): cases opened and assigned,
the opening messages, reminders, the leader escalation before the 5 h deadline, an
overdue case, and after confirming a response the clock stopping and a
confirmation message. Everything is checked through CONTRACT.md interfaces only:
the printed line, `GET /api/demo/outbox`, `/api/cases`, `POST /api/cases/{id}/responses`.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^demo: (http://127\.0\.0\.1:\d+) user=(\S+) password=(\S+) token=(\S+)$")
NEWCOMER_PATIENCE = 180.0        # seconds of wall time (issue 10: "within three minutes")
# Why 1200 and not the 3600 a newcomer uses: at 3600 the leader escalation has one wall second between
# firing and the deadline, and `make test` runs this next to the whole suite on two cores; 1200 gives it
# three, and the whole cycle still takes well under a minute. README "Demo and drills" shows 3600.
SPEED = 1200
ORDER = ("opened", "reminder", "leader", "overdue")

pytestmark = pytest.mark.slow


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Demo:
    """A running `yuqing demo` subprocess and a client for its API."""

    def __init__(self, tmp_path: Path, speed: float):
        self.log = (tmp_path / "demo.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yuqing.cli", "demo", "--port", "0", "--speed", str(speed),
             "--state-dir", str(tmp_path / "state")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True).start()
        try:
            first = lines.get(timeout=60).rstrip("\n")
        except queue.Empty:
            self.stop()
            raise AssertionError(f"no demo line within 60 s; log:\n{self.log_text()}") from None
        m = LINE.match(first)
        assert m, f"unexpected first line {first!r}"
        self.url, self.user, self.password, self.token = m.groups()
        self.lines = lines
        self.http = httpx.Client(base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {self.token}"})

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text()[-4000:]

    def outbox(self) -> list[dict]:
        r = httpx.get(f"{self.url}/api/demo/outbox", timeout=10)       # no auth (CONTRACT.md)
        r.raise_for_status()
        return r.json()

    def cases(self) -> list[dict]:
        r = self.http.get("/api/cases", params={"status": "all"})
        r.raise_for_status()
        return r.json()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def _case_kinds(outbox: list[dict], case_id: str) -> list[str]:
    return [m["kind"] for m in outbox if m["case_id"] == case_id]


def _first(outbox: list[dict], case_id: str, kind: str) -> dict | None:
    return next((m for m in outbox if m["case_id"] == case_id and m["kind"] == kind), None)


def test_the_demo_plays_the_whole_response_cycle_within_three_minutes(tmp_path):
    started = time.monotonic()
    demo = Demo(tmp_path, speed=SPEED)
    try:
        # 1. The mine explosion becomes a major-emergency case whose whole ladder fires in order.
        major, outbox = None, []
        while time.monotonic() - started < NEWCOMER_PATIENCE:
            outbox = demo.outbox()
            majors = [c for c in demo.cases() if c["severity"] == "major_emergency"]
            major = next((c for c in majors if all(k in _case_kinds(outbox, str(c["id"])) for k in ORDER)), None)
            if major is not None:
                break
            time.sleep(0.5)
        assert major is not None, f"no major case went opened -> overdue; outbox kinds {[m['kind'] for m in outbox]}\n{demo.log_text()}"
        case_id = str(major["id"])
        firsts = {kind: _first(outbox, case_id, kind) for kind in ORDER}
        times = [_ts(firsts[k]["received_at"]) for k in ORDER]
        assert times == sorted(times), f"ladder out of order: {list(zip(ORDER, times))}"
        detail = demo.http.get(f"/api/cases/{case_id}").json()
        assert detail["responsible"]["first"] and detail["responsible"]["trace"], "assigned, with its trace"
        first_release = next(c for c in detail["clocks"] if c["kind"] == "first_release")
        assert _ts(firsts["leader"]["received_at"]) < _ts(first_release["due_at"]), "leader escalation before the 5 h deadline"
        assert _ts(firsts["overdue"]["received_at"]) >= _ts(first_release["due_at"])
        assert first_release["status"] == "overdue"
        case_messages = [m for m in outbox if m["case_id"] == case_id]
        assert all("【演练】" in (m["subject"] or "") + m["body"] for m in case_messages), "drill messages are marked"
        assert {m["channel"] for m in case_messages} >= {"email", "webhook"}

        # 2. Confirming a response through the API stops that clock and sends a confirmation.
        running = None
        while running is None and time.monotonic() - started < NEWCOMER_PATIENCE:
            for case in demo.cases():
                clock = next((c for c in case["clocks"] if c["status"] == "running"), None)
                if clock is not None:
                    running = (str(case["id"]), clock["kind"])
                    break
            time.sleep(0.2)
        assert running is not None, "some clock is still running for the newcomer to answer"
        answered, kind = running
        mode = "press_conference" if kind == "press_conference" else "authoritative_info"
        r = demo.http.post(f"/api/cases/{answered}/responses", json={
            "clock": kind, "mode": mode, "url": "http://127.0.0.1/fabu/1", "note": "演练：已发布权威信息"})
        assert r.status_code == 201, r.text
        confirmed = None
        while confirmed is None and time.monotonic() - started < NEWCOMER_PATIENCE:
            confirmed = _first(demo.outbox(), answered, "confirmed")
            time.sleep(0.3)
        assert confirmed is not None, f"no confirmation message for case {answered}\n{demo.log_text()}"
        clock = next(c for c in demo.http.get(f"/api/cases/{answered}").json()["clocks"] if c["kind"] == kind)
        assert clock["status"] == "met" and clock["stopped_at"] is not None

        # 3. The printed login works, and the 演练消息 page shows the outbox with links to the cases.
        assert httpx.get(f"{demo.url}/demo/outbox").status_code in (302, 303)       # pages need a sign-in
        with httpx.Client(base_url=demo.url, timeout=10) as browser:
            form = browser.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            signed_in = browser.post("/login", data={"username": demo.user, "password": demo.password,
                                                      "csrf_token": csrf})
            assert signed_in.status_code in (302, 303), signed_in.text[:300]
            page = browser.get("/demo/outbox")
            assert page.status_code == 200 and "演练消息" in page.text and f'href="/cases/{case_id}"' in page.text
            assert "【演练】" in browser.get("/").text

        # 4. Ordinary news and exercise reports never became cases.
        titles = [c["title"] for c in demo.cases()]
        assert not any("应急演练" in t or "救援演练" in t or "男篮" in t for t in titles), titles
        assert time.monotonic() - started < NEWCOMER_PATIENCE
    finally:
        rc = demo.stop()
    assert rc == 0, demo.log_text()
