"""Which response clocks a priority opinion gets, when each starts and when it is due (RULES.md section 3).

- `major_emergency` (特别重大、重大突发事件): authoritative information within 5 h
  (`first_release`, T-1) and a press conference within 24 h (`press_conference`, T-2);
- `general` (other priority opinions): a response within 48 h (`response`, T-3).

Hours are continuous (nights and holidays count, T-29) unless the clocks config
selects a working-time calendar for a local rule:

- `working_days`: only working days count, all 24 hours of each; weekends and
  holidays are skipped whole (a 48 h clock started on Friday 10:00 is due on
  Tuesday 10:00);
- `working_hours`: only the working window (default 09:00-17:00) of working days
  counts.

Every position on a clock (the 50 % reminder, "1 h before expiry") is computed
with the same calendar, so a ladder step never falls into time that does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .config import CalendarConfig, ClocksConfig
from .orgtree import minutes as _minutes, parse_days as _parse_days

__all__ = ["PlannedClock", "plan_clocks", "clock_position", "clock_start", "CLOCK_KINDS", "CLOCKS_FOR_SEVERITY"]

CLOCK_KINDS = ("first_release", "press_conference", "response")
CLOCKS_FOR_SEVERITY = {"major_emergency": ("first_release", "press_conference"), "general": ("response",)}
_MAX_DAYS = 3660    # a calendar with no working day in ten years is a config mistake, not a loop


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
    kinds = CLOCKS_FOR_SEVERITY.get(severity or "", ())
    out = []
    for kind in kinds:
        span = getattr(config, kind)
        out.append(PlannedClock(kind, span / timedelta(hours=1), started_at, clock_position(started_at, span, config)))
    return out


def clock_position(start: datetime, elapsed: timedelta, config: ClocksConfig) -> datetime:
    """Return the instant at which `elapsed` of counted time has passed since `start`.

    Continuous calendar: `start + elapsed`. Working calendars skip time that does
    not count; `elapsed == 0` returns `start` itself even outside working time.
    """
    if config.calendar == "continuous" or elapsed <= timedelta(0):
        return start + max(elapsed, timedelta(0))
    return _working_add(start, elapsed, config.working, whole_days=config.calendar == "working_days")


def _working_add(start: datetime, elapsed: timedelta, cal: CalendarConfig, *, whole_days: bool) -> datetime:
    zone = ZoneInfo(cal.timezone)
    weekdays = _parse_days(cal.days)
    holidays = {date.fromisoformat(d) for d in cal.holidays}
    workdays = {date.fromisoformat(d) for d in cal.workdays}
    begin, end = (0, 1440) if whole_days else (_minutes(cal.start), _minutes(cal.end))
    remaining = elapsed
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        working = day in workdays or (day.weekday() in weekdays and day not in holidays)
        if working:
            # Build window ends from local wall time, then compare in UTC: correct across DST changes.
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            w0 = (midnight + timedelta(minutes=begin)).astimezone(start.tzinfo)
            w1 = (midnight + timedelta(minutes=end)).astimezone(start.tzinfo)
            a = max(w0, start)
            if a < w1:
                available = w1 - a
                if remaining <= available:
                    return a + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError(f"the working calendar has no working time within {_MAX_DAYS} days of {start.isoformat()}")


def clock_start(config: ClocksConfig, *, opened_at: datetime, first_seen_at: datetime | None = None,
                first_published_at: datetime | None = None,
                superior_order_at: datetime | None = None) -> tuple[datetime, str]:
    """Return (start, Chinese trace line) of a case's clocks under the configured start rule (N-1).

    1. a superior's order with a known time starts the clocks at the order (P1e), when
       `superior_order_start` is on;
    2. else `start`: `first_seen` (default), `first_published` (falls back to first seen
       when the publication time is unknown) or `case_opened`;
    3. a start later than the opening (clock skew, a future publication date) is clamped
       to the opening.
    """
    if superior_order_at is not None and config.superior_order_start:
        start, why = superior_order_at, "计时起点：上级交办时间（需重点回应标准之上级要求，N-1 配置）"
    elif config.start == "first_published" and first_published_at is not None:
        start, why = first_published_at, "计时起点：首次发布时间（N-1 配置）"
    elif config.start in ("first_seen", "first_published") and first_seen_at is not None:
        start, why = first_seen_at, "计时起点：首次监测发现时间（N-1 配置）"
    else:
        start, why = opened_at, "计时起点：立案时间（N-1 配置）"
    if start > opened_at:
        start, why = opened_at, why + "；晚于立案时间，按立案时间计"
    return start, why
