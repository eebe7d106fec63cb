"""Configuration of the periodic 通报: the weekly mail and the 约谈 candidate rule.

TOML example::

    [reports]
    weekly = "mon 09:00"                 # Asia/Shanghai; the report of the week that just ended
    to = ["xxgk@sx.gov.cn"]              # the coordination office (政府办公厅（室）, RULES.md X-8)
    locality = "山西省"                  # optional subtree; default: the whole jurisdiction
    base_url = "https://yuqing.example.gov.cn"   # link to the full report; default: [web] base_url
    catch_up = "3d"                      # a slot missed while the daemon was down is sent this long after

    [reports.interview]                  # 约谈 candidates (RULES.md X-7, X-10)
    overdue = 2                          # at least this many overdue clocks of one body ...
    unacknowledged = 2                   # ... or this many escalations nobody acknowledged
    window = "28d"                       # counted over this span ending with the period (default: the period)
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator

from monitor.configtypes import Duration, Frozen

__all__ = ["ReportsConfig", "InterviewRule", "parse_weekly"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):([0-5]\d)\s*$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_weekly(text: str) -> tuple[int, int, int]:
    """Return (weekday 0=Monday, hour, minute) of ``"mon 09:00"``; ValueError naming the text otherwise."""
    m = _WEEKLY.match(text or "")
    if not m:
        raise ValueError(f"weekly schedule {text!r} is not \"DAY HH:MM\" (DAY one of {', '.join(_WEEKDAYS)})")
    return _WEEKDAYS.index(m.group(1).lower()), int(m.group(2)), int(m.group(3))


class InterviewRule(Frozen):
    """When a body becomes a 约谈 candidate: repeated overdue clocks or unacknowledged escalations.

    Why a count over a window and not one failure: 国办发〔2016〕61号 五 targets units that are
    "工作消极、不作为且整改不到位" — a pattern, not a single lapse (RULES.md X-7, W-5).
    """

    overdue: int = Field(default=2, ge=1)
    unacknowledged: int = Field(default=2, ge=1)
    window: Duration | None = None

    @field_validator("window")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("the window must be longer than zero")
        return value


class ReportsConfig(Frozen):
    weekly: str | None = None
    to: list[str] = []
    # A slot missed while the daemon was down is still sent within this span; an older one is
    # not (a newly installed daemon should not mail the report of a week it never watched).
    catch_up: Duration = timedelta(days=3)
    locality: str | None = None
    base_url: str | None = None
    interview: InterviewRule = InterviewRule()

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: str | None) -> str | None:
        if value is not None:
            parse_weekly(value)
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for v in values:
            if not _EMAIL.match(v):
                raise ValueError(f"{v!r} is not an email address")
        return values
