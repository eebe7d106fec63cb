"""Run the real daemon (`yuqing run`) as a subprocess for tests, with a systemd notify socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def open_fast_cases(engine, n: int, config, *, now, title: str = "测试事件") -> list[int]:
    """Open `n` major-emergency cases of 太谷区 at `now` with the clocks of `config` (one transaction); their ids.

    Shared by the failover tests and bench.faults: cases whose whole ladder fires within seconds.
    """
    from sqlmodel import Session

    from monitor.assessment import Assessment
    from monitor.models import Event
    from responders.assignment import Assignment, BodyRef
    from responders.cases import open_case

    ids = []
    with Session(engine) as session:
        for i in range(n):
            event = Event(title=f"{title}{i}", first_seen_at=now, last_seen_at=now)
            session.add(event)
            session.flush()
            case = open_case(
                session, now, event=event, config=config,
                assessment=Assessment(priority=True, severity="major_emergency", localities=("山西省晋中市太谷区",),
                                      sectors=("emergency",)),
                assignment=Assignment(rule="single_locality", first=(
                    BodyRef("晋中市太谷区应急管理局", "山西省晋中市太谷区", sector="emergency"),)))
            ids.append(case.id)
        session.commit()
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path: Path, *, db_url: str, port: int, extra: str = "") -> Path:
    path.write_text(
        f"""state_dir = "{path.parent / 'state'}"
[storage]
url = "{db_url}"
[web]
host = "127.0.0.1"
port = {port}
[directory]
include = "{ROOT / 'directory/shanxi.toml'}"
{extra}
""",
        encoding="utf-8",
    )
    return path


class DaemonProcess:
    """`yuqing run --config PATH` with NOTIFY_SOCKET and WATCHDOG_USEC set, as systemd would."""

    def __init__(self, config_path: Path, port: int, *, env: dict | None = None):
        self.port = port
        self.sock_path = config_path.parent / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if self.sock_path.exists():
            self.sock_path.unlink()
        self.sock.bind(str(self.sock_path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []
        self.stderr_path = config_path.parent / "daemon.log"
        self._stderr = open(self.stderr_path, "wb")
        environ = {**os.environ, "NOTIFY_SOCKET": str(self.sock_path), "WATCHDOG_USEC": "2000000", **(env or {})}
        environ.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yuqing.cli", "run", "--config", str(config_path)],
            cwd=config_path.parent, env=environ, stdout=subprocess.DEVNULL, stderr=self._stderr,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read_notifications(self, until: str | None = None, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                if until is None and self.proc.poll() is not None:
                    break       # exited and nothing more queued
            if until and any(until in m for m in self.messages):
                break
        return self.messages

    def wait_ready(self, timeout: float = 60.0) -> None:
        self.read_notifications("READY=1", timeout)
        if not any("READY=1" in m for m in self.messages):
            raise AssertionError(f"daemon never became ready; log:\n{self.log()}")

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def log(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._stderr.close()
        self.sock.close()
