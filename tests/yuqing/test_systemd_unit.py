"""The shipped systemd unit verifies and is hardened (checked with systemd-analyze when present)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "yuqing.service"


def installed_copy(tmp_path: Path) -> Path:
    """Return the unit with its /opt/yuqing paths pointing at this checkout's interpreter."""
    text = UNIT.read_text(encoding="utf-8")
    launcher = tmp_path / "yuqing"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m yuqing.cli \"$@\"\n")
    launcher.chmod(0o755)
    text = text.replace("/opt/yuqing/.venv/bin/yuqing", str(launcher))
    copy = tmp_path / "yuqing.service"
    copy.write_text(text, encoding="utf-8")
    return copy


def test_the_unit_declares_notify_watchdog_restart_and_a_dedicated_user():
    text = UNIT.read_text(encoding="utf-8")
    for line in ("Type=notify", "Restart=on-failure", "DynamicUser=yes", "StateDirectory=yuqing",
                 "ProtectSystem=strict", "NoNewPrivileges=yes", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text, line
    assert re.search(r"^WatchdogSec=\d+", text, re.M)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    unit = installed_copy(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "yuqing.service" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_is_rated_at_least_ok_by_systemd_security(tmp_path):
    unit = installed_copy(tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 3.0, result.stdout[-2000:]
