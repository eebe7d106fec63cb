"""The demo outbox: every message the local sinks received, as CONTRACT.md's outbox records.

Records are appended to a JSON Lines file in the state folder (``outbox.jsonl``)
and read back by ``GET /api/demo/outbox`` and the 演练消息 page.

Why a file and not a table: the sinks exist only in the demo and drills; a table
would put a demo-only schema into every real deployment's migrations, and a file
can be followed with ``tail -f`` while the demo runs.

A received message does not say which case and kind it is about in a structured
way (a robot message is markdown for people), so `classify_message` reads it the
way a person would: explicit ``X-Yuqing-Case-Id`` / ``X-Yuqing-Kind`` headers when the
sender set them, else the case link (``/cases/N``) and the subject's label
(【提醒】, 【升级】, 【已超时】, ...) that the shipped templates put there.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

__all__ = ["Outbox", "classify_message", "CHANNELS", "KINDS"]

logger = logging.getLogger(__name__)

CHANNELS = ("email", "wecom", "dingtalk", "feishu", "webhook")
KINDS = ("opened", "reminder", "leader", "overdue", "confirmed", "report", "other")

_CASE_LINK = re.compile(r"/cases/(\d+)")
_CASE_NUMBER = re.compile(r"编号\s*(\d+)")
# Subject labels of alerts/templates/*.j2, most specific first.
_LABELS = (
    ("confirmed", ("【已回应】", "已确认回应")),
    ("overdue", ("【已超时】", "已超过回应时限")),
    ("leader", ("【升级】", "升级提醒")),
    ("reminder", ("【提醒】", "回应时限提醒")),
    ("report", ("【通报】",)),
    ("opened", ("新舆情案件", "已立案")),
)
# Kinds of the alerts package that CONTRACT.md's outbox folds into "other".
_KIND_ALIASES = {"follow_up": "reminder", "reassigned": "other", "source_down": "other", "test": "other"}


def classify_message(*, subject: str | None, body: str, case_hint: str | None = None,
                     kind_hint: str | None = None) -> tuple[str | None, str]:
    """Return (case_id, kind) of a received message: hints first, then its text."""
    case_id = (case_hint or "").strip() or None
    if case_id is None:
        m = _CASE_LINK.search(body or "") or _CASE_NUMBER.search(body or "") or _CASE_LINK.search(subject or "")
        case_id = m.group(1) if m else None
    kind = (kind_hint or "").strip().lower()
    kind = _KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        kind = ""
        head = f"{subject or ''}\n{(body or '')[:200]}"
        for name, labels in _LABELS:
            if any(label in head for label in labels):
                kind = name
                break
        kind = kind or "other"
    return case_id, kind


class Outbox:
    """Append-only record of received messages; safe to share between the sinks of one process."""

    def __init__(self, path: str | Path, *, now: Callable[[], datetime], wall: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        self._now = now
        self._wall = wall
        self._lock = threading.Lock()

    def record(self, *, channel: str, to: list[str], subject: str | None, body: str,
               case_hint: str | None = None, kind_hint: str | None = None, receiver: str = "",
               drill: bool | None = None) -> dict:
        """Append one received message and return its record.

        `received_at` is on the daemon's clock (scaled in a drill), so it compares with
        clock deadlines; `received_wall_at` is the real time it arrived.
        """
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        body = (body or "").replace("\r\n", "\n").strip()
        case_id, kind = classify_message(subject=subject, body=body, case_hint=case_hint, kind_hint=kind_hint)
        record = {
            "channel": channel, "to": list(to), "subject": subject, "body": body,
            "received_at": self._now().isoformat(), "case_id": case_id, "kind": kind,
            "drill": drill if drill is not None else "【演练】" in f"{subject or ''}{body}",
            "receiver": receiver,
        }
        if self._wall is not None:
            record["received_wall_at"] = self._wall().isoformat()
        line = json.dumps(record, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        logger.info("demo sink %s received %s for case %s (to %s)", channel, kind, case_id, ", ".join(to)[:120])
        return record

    def read(self) -> list[dict]:
        """Return every record, oldest first; a torn last line (a write in progress) is skipped."""
        out = []
        with self._lock:
            text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out
