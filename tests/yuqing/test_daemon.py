"""The daemon as systemd runs it: a real subprocess, signals, sd_notify, /healthz."""

from __future__ import annotations

import signal
import time

import pytest

from .daemon_process import DaemonProcess, free_port, write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path, db_url):
    port = free_port()
    config = write_config(tmp_path / "config.toml", db_url=db_url, port=port)
    process = DaemonProcess(config, port)
    yield process
    process.stop()


def test_it_starts_answers_healthz_and_stops_cleanly_on_sigterm(daemon):
    daemon.wait_ready()
    health = daemon.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["scheduler"] == "ok"
    assert "yuqing_job_runs_total" in daemon.get("/metrics").text

    started = time.monotonic()
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 10
    messages = daemon.read_notifications(timeout=1)
    assert any("STOPPING=1" in m for m in messages)
    assert "Traceback" not in daemon.log()


def test_it_pings_the_systemd_watchdog_from_the_main_loop(daemon):
    daemon.wait_ready()
    daemon.read_notifications("WATCHDOG=1", timeout=5)
    assert any("WATCHDOG=1" in m for m in daemon.messages)
    ready_at = next(i for i, m in enumerate(daemon.messages) if "READY=1" in m)
    assert any("WATCHDOG=1" in m for m in daemon.messages[ready_at:])


def test_sighup_keeps_the_old_config_when_the_new_one_is_bad(daemon, tmp_path):
    daemon.wait_ready()
    config = tmp_path / "config.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("[web]", "[web]\nprot = 1"), encoding="utf-8")
    daemon.proc.send_signal(signal.SIGHUP)
    assert daemon.wait_for_log("config reload rejected")
    assert "web.prot" in daemon.log()
    assert daemon.get("/healthz").status_code == 200
    assert daemon.proc.poll() is None

    config.write_text(good.replace("[web]", "[log]\nlevel = \"DEBUG\"\n[web]"), encoding="utf-8")
    daemon.proc.send_signal(signal.SIGHUP)
    assert daemon.wait_for_log("config reloaded")
    assert daemon.get("/healthz").status_code == 200
    assert 'yuqing_config_reloads_total{result="ok"} 1.0' in daemon.get("/metrics").text


def test_it_refuses_to_start_on_a_bad_config_in_one_screen(tmp_path, db_url):
    port = free_port()
    config = write_config(tmp_path / "config.toml", db_url=db_url, port=port, extra="[clocks]\nresponse = \"soon\"\n")
    process = DaemonProcess(config, port)
    try:
        assert process.proc.wait(timeout=30) == 2
        log = process.log()
        assert "clocks.response" in log and "not a duration" in log
        assert "Traceback" not in log
        assert len(log.splitlines()) <= 24
    finally:
        process.stop()


def test_it_exits_with_a_clear_message_when_the_database_is_unreachable(tmp_path):
    port = free_port()
    bad_url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    config = write_config(tmp_path / "config.toml", db_url=bad_url, port=port)
    process = DaemonProcess(config, port)
    try:
        assert process.proc.wait(timeout=60) == 1
        log = process.log()
        assert "database" in log and "127.0.0.1:1" in log
        assert "Traceback" not in log
    finally:
        process.stop()


def test_a_notify_socket_nobody_reads_never_freezes_the_daemon(tmp_path, db_url):
    port = free_port()
    config = write_config(tmp_path / "config.toml", db_url=db_url, port=port)
    process = DaemonProcess(config, port, env={"WATCHDOG_USEC": "100000"})   # a ping every 0.5 s
    try:
        process.wait_ready()
        # Stop reading: the socket buffer fills within seconds; the main loop must keep going.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert process.get("/healthz").status_code == 200
            time.sleep(1)
        process.proc.send_signal(signal.SIGTERM)
        assert process.proc.wait(timeout=10) == 0
    finally:
        process.stop()


def test_a_clean_stop_hands_over_the_clocks_lease_at_once(daemon, db_url):
    from sqlmodel import Session, select

    from responders.models import Lease
    from yuqing.db import make_engine

    daemon.wait_ready()
    engine = make_engine(db_url)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if session.exec(select(Lease)).all():
                    break
            time.sleep(0.2)
        with Session(engine) as session:
            assert session.exec(select(Lease)).all(), "the daemon never took a lease"
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=10) == 0
        # The rows stay (their generation counts hand-overs) but nobody holds any lease any more.
        from datetime import datetime, timezone

        from responders.lease import current_holder
        with Session(engine) as session:
            names = [lease.name for lease in session.exec(select(Lease)).all()]
        assert names and all(current_holder(engine, datetime.now(timezone.utc), name=n) is None for n in names)
    finally:
        engine.dispose()
