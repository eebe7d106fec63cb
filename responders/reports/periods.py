"""Report periods: a day, an ISO week, a month or a year, bounded in Asia/Shanghai.

A period is the half-open interval [start, end) in UTC whose ends are local
midnights. Why local midnights: the office reads "第47周" as Monday 00:00 to the
next Monday 00:00 in Beijing time, and a UTC week would cut 8 hours off each end.

Names (`parse_period`):

| name                  | period                                          |
|-----------------------|-------------------------------------------------|
| ``day``               | yesterday (the last complete day)               |
| ``week``              | last week (the last complete ISO week, Mon–Sun) |
| ``month``             | last month                                      |
| ``year``              | last year (the 国办发〔2014〕32号 annual figures) |
| ``today`` / ``this-week`` / ``this-month`` / ``this-year`` | the one in progress, up to now |
| ``2026-11-20``        | that day                                        |
| ``2026-W47``          | that ISO week                                   |
| ``2026-11``           | that month                                      |
| ``2026``              | that year                                       |

Why "week" means the last complete week: a 通报 reports on a finished period; a
report of the current week would change every hour and could not be compared
with the week before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["Period", "PeriodError", "parse_period", "LOCAL_ZONE"]

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """The period name is not one of the forms `parse_period` accepts."""


@dataclass(frozen=True)
class Period:
    """A report period: `kind` (day | week | month | year), local first day, and UTC bounds."""

    kind: str
    first_day: date
    start: datetime
    end: datetime
    zone: str = "Asia/Shanghai"

    @property
    def key(self) -> str:
        """Return the canonical name (2026-11-20, 2026-W47, 2026-11, 2026): parse_period(key) == self."""
        d = self.first_day
        if self.kind == "day":
            return d.isoformat()
        if self.kind == "week":
            year, week, _ = d.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{d.year}-{d.month:02d}"
        return f"{d.year}"

    @property
    def label(self) -> str:
        """Return the Chinese title of the period (2026年第47周（11月16日—11月22日）)."""
        d = self.first_day
        last = self.last_day
        if self.kind == "day":
            return f"{d.year}年{d.month}月{d.day}日"
        if self.kind == "week":
            year, week, _ = d.isocalendar()
            return f"{year}年第{week}周（{d.month}月{d.day}日—{last.month}月{last.day}日）"
        if self.kind == "month":
            return f"{d.year}年{d.month}月"
        return f"{d.year}年"

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(ZoneInfo(self.zone)) - timedelta(seconds=1)).date()

    def contains(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    def previous(self) -> Period:
        """Return the period of the same kind just before this one."""
        d = self.first_day
        if self.kind == "day":
            return _make("day", d - timedelta(days=1), self.zone)
        if self.kind == "week":
            return _make("week", d - timedelta(days=7), self.zone)
        if self.kind == "month":
            return _make("month", date(d.year - (d.month == 1), 12 if d.month == 1 else d.month - 1, 1), self.zone)
        return _make("year", date(d.year - 1, 1, 1), self.zone)

    def buckets(self) -> list[tuple[str, datetime, datetime]]:
        """Return the sub-intervals a "cases over time" chart uses: hours of a day, days, months of a year."""
        zone = ZoneInfo(self.zone)
        out = []
        if self.kind == "day":
            for h in range(24):
                s = _local(self.first_day, zone) + timedelta(hours=h)
                out.append((f"{h:02d}时", s.astimezone(timezone.utc), (s + timedelta(hours=1)).astimezone(timezone.utc)))
        elif self.kind == "year":
            for m in range(1, 13):
                s = date(self.first_day.year, m, 1)
                e = date(s.year + (m == 12), 1 if m == 12 else m + 1, 1)
                out.append((f"{m}月", _utc(s, zone), _utc(e, zone)))
        else:
            d = self.first_day
            while _utc(d, zone) < self.end:
                out.append((f"{d.month}/{d.day}", _utc(d, zone), _utc(d + timedelta(days=1), zone)))
                d += timedelta(days=1)
        return out


def _local(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone)


def _utc(d: date, zone: ZoneInfo) -> datetime:
    return _local(d, zone).astimezone(timezone.utc)


def _make(kind: str, first: date, zone_name: str = "Asia/Shanghai") -> Period:
    zone = ZoneInfo(zone_name)
    if kind == "day":
        last = first + timedelta(days=1)
    elif kind == "week":
        first = first - timedelta(days=first.weekday())
        last = first + timedelta(days=7)
    elif kind == "month":
        first = first.replace(day=1)
        last = date(first.year + (first.month == 12), 1 if first.month == 12 else first.month + 1, 1)
    else:
        first = date(first.year, 1, 1)
        last = date(first.year + 1, 1, 1)
    return Period(kind, first, _utc(first, zone), _utc(last, zone), zone_name)


def parse_period(name: str, *, now: datetime, zone: str = "Asia/Shanghai") -> Period:
    """Return the period `name` denotes at instant `now` (see the module docstring for the names).

    Raises PeriodError naming the text when it is not a period.
    """
    text = (name or "").strip()
    today = now.astimezone(ZoneInfo(zone)).date()
    relative = {
        "day": ("day", today - timedelta(days=1)), "today": ("day", today),
        "week": ("week", today - timedelta(days=7)), "this-week": ("week", today),
        "month": ("month", today.replace(day=1) - timedelta(days=1)), "this-month": ("month", today),
        "year": ("year", date(today.year - 1, 1, 1)), "this-year": ("year", today),
    }
    try:
        if text.lower() in relative:
            kind, first = relative[text.lower()]
            return _make(kind, first, zone)
        if m := _DAY.match(text):
            return _make("day", date(int(m[1]), int(m[2]), int(m[3])), zone)
        if m := _WEEK.match(text):
            return _make("week", date.fromisocalendar(int(m[1]), int(m[2]), 1), zone)
        if m := _MONTH.match(text):
            return _make("month", date(int(m[1]), int(m[2]), 1), zone)
        if m := _YEAR.match(text):
            return _make("year", date(int(m[1]), 1, 1), zone)
    except ValueError as e:
        raise PeriodError(f"period {text!r} does not exist: {e}") from None
    raise PeriodError(
        f"period {text!r} is not one of day, week, month, year, today, this-week, this-month, this-year, "
        "YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY")
