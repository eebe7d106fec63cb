"""Which response clocks a priority opinion gets, and when each is due (RULES.md section 3).

- `major_emergency` (特别重大、重大突发事件): authoritative information within 5 h
  (`first_release`, T-1) and a press conference within 24 h (`press_conference`, T-2);
- `general` (other priority opinions): a response within 48 h (`response`, T-3).

Hours are continuous (nights and holidays count) unless the clocks config selects
a working-time calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import ClocksConfig

__all__ = ["PlannedClock", "plan_clocks", "CLOCK_KINDS"]

CLOCK_KINDS = ("first_release", "press_conference", "response")


@dataclass(frozen=True)
class PlannedClock:
    kind: str
    hours: float
    started_at: datetime
    due_at: datetime

    def to_record(self) -> dict:
        """Return the CONTRACT.md `clocks[]` entry (due_at in ISO 8601 with offset)."""
        hours = int(self.hours) if float(self.hours).is_integer() else self.hours
        return {"kind": self.kind, "hours": hours, "due_at": self.due_at.isoformat()}


def plan_clocks(severity: str | None, started_at: datetime, config: ClocksConfig) -> list[PlannedClock]:
    """Return the clocks for `severity` starting at `started_at`; none when not a priority."""
    if severity == "major_emergency":
        spans = [("first_release", config.first_release), ("press_conference", config.press_conference)]
    elif severity == "general":
        spans = [("response", config.response)]
    else:
        return []
    return [PlannedClock(kind, span / timedelta(hours=1), started_at, _due(started_at, span, config)) for kind, span in spans]


def _due(start: datetime, span: timedelta, config: ClocksConfig) -> datetime:
    # The working-days calendar is added with the clocks engine; continuous hours are the default (T-1..T-3).
    return start + span
