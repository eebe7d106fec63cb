"""Clock plans: deadlines per severity (T-1..T-3), start rules (N-1), working calendars, ladder positions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from monitor.timestamps import SHANGHAI
from responders.clockplan import clock_position, clock_start, plan_clocks
from responders.config import ClocksConfig
from responders.ladder import plan_steps

UTC = timezone.utc
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)      # Friday 09:00 in Shanghai


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_major_emergency_gets_a_5_hour_and_a_24_hour_clock():
    clocks = plan_clocks("major_emergency", T0, ClocksConfig())
    assert [(c.kind, c.hours, c.due_at - T0) for c in clocks] == [
        ("first_release", 5, timedelta(hours=5)), ("press_conference", 24, timedelta(hours=24))]
    assert clocks[0].to_record() == {"kind": "first_release", "hours": 5, "due_at": (T0 + timedelta(hours=5)).isoformat()}


def test_a_general_priority_opinion_gets_one_48_hour_clock_and_nights_count():
    (clock,) = plan_clocks("general", T0, ClocksConfig())
    assert (clock.kind, clock.due_at) == ("response", T0 + timedelta(hours=48))


def test_a_non_priority_opinion_gets_no_clock():
    assert plan_clocks(None, T0, ClocksConfig()) == []


def test_working_days_skip_the_weekend_whole():
    config = ClocksConfig(calendar="working_days")
    # Friday 10:00 + 48 h of working days: Friday 14 h, Monday 24 h, Tuesday 10 h -> Tuesday 10:00.
    assert clock_position(local(2026, 11, 20, 10, 0), timedelta(hours=48), config) == local(2026, 11, 24, 10, 0)


def test_working_hours_count_only_the_office_window():
    config = ClocksConfig(calendar="working_hours")
    # Friday 16:00 + 5 h in 09:00-17:00: 1 h on Friday, 4 h on Monday -> Monday 13:00.
    assert clock_position(local(2026, 11, 20, 16, 0), timedelta(hours=5), config) == local(2026, 11, 23, 13, 0)
    # Started on Saturday: counting begins on Monday 09:00.
    assert clock_position(local(2026, 11, 21, 11, 0), timedelta(hours=2), config) == local(2026, 11, 23, 11, 0)


def test_holidays_are_skipped_and_makeup_workdays_count():
    config = ClocksConfig.model_validate({"calendar": "working_days", "working": {
        "holidays": ["2026-11-23"], "workdays": ["2026-11-22"]}})
    # Friday 12:00 + 24 h: Friday 12 h, Saturday off, Sunday (调休 workday) 12 h -> Sunday 12:00.
    assert clock_position(local(2026, 11, 20, 12, 0), timedelta(hours=24), config) == local(2026, 11, 22, 12, 0)
    # From Sunday 12:00, 24 h: Sunday 12 h, Monday holiday, Tuesday 12 h.
    assert clock_position(local(2026, 11, 22, 12, 0), timedelta(hours=24), config) == local(2026, 11, 24, 12, 0)


def test_the_ladder_steps_use_the_same_working_calendar():
    config = ClocksConfig(calendar="working_hours")
    start = local(2026, 11, 20, 16, 0)
    (clock,) = plan_clocks("general", start, config)          # 48 working hours = 6 working days
    steps = {s.step: s.due_at for s in plan_steps(clock, config, opened_at=start, with_opened=True)}
    assert steps["reminder"] == clock_position(start, timedelta(hours=24), config)
    assert steps["leader"] == clock_position(start, timedelta(hours=40), config)
    assert steps["overdue"] == clock.due_at
    for at in steps.values():
        assert at.astimezone(SHANGHAI).weekday() < 5


@pytest.mark.parametrize(("kind_severity", "before"), [
    pytest.param(("major_emergency", 0), timedelta(hours=1), id="5h-leader-1h-before"),
    pytest.param(("major_emergency", 1), timedelta(hours=4), id="24h-leader-4h-before"),
    pytest.param(("general", 0), timedelta(hours=8), id="48h-leader-8h-before"),
])
def test_the_default_ladder_reminds_at_half_time_and_escalates_before_expiry(kind_severity, before):
    severity, index = kind_severity
    clock = plan_clocks(severity, T0, ClocksConfig())[index]
    steps = plan_steps(clock, ClocksConfig(), opened_at=T0, with_opened=index == 0)
    span = clock.due_at - T0
    expected = ([("opened", T0)] if index == 0 else []) + [
        ("reminder", T0 + span / 2), ("leader", clock.due_at - before), ("overdue", clock.due_at)]
    assert [(s.step, s.due_at) for s in steps] == expected
    assert all(s.status == "pending" for s in steps)


def test_steps_already_past_at_opening_are_skipped_except_the_latest():
    config = ClocksConfig()
    (clock,) = plan_clocks("general", T0, config)
    opened_at = T0 + timedelta(hours=41)          # past the 24 h reminder and the 40 h leader step
    steps = {s.step: s for s in plan_steps(clock, config, opened_at=opened_at, with_opened=True)}
    assert steps["reminder"].status == "skipped" and "已过" in steps["reminder"].note
    assert steps["leader"].status == "pending"    # fires at once
    assert steps["overdue"].status == "pending"


def test_the_clock_starts_when_first_seen_by_default_and_can_start_elsewhere():
    seen, published, opened = T0, T0 - timedelta(hours=3), T0 + timedelta(minutes=20)
    kw = {"opened_at": opened, "first_seen_at": seen, "first_published_at": published}
    assert clock_start(ClocksConfig(), **kw)[0] == seen
    assert clock_start(ClocksConfig(start="first_published"), **kw)[0] == published
    assert clock_start(ClocksConfig(start="case_opened"), **kw)[0] == opened
    assert clock_start(ClocksConfig(start="first_published"), opened_at=opened, first_seen_at=seen)[0] == seen


def test_a_superior_order_starts_the_clock_at_the_order_time():
    order = T0 - timedelta(hours=1)
    start, trace = clock_start(ClocksConfig(), opened_at=T0, first_seen_at=T0, superior_order_at=order)
    assert start == order and "上级交办" in trace
    assert clock_start(ClocksConfig(superior_order_start=False), opened_at=T0, first_seen_at=T0,
                       superior_order_at=order)[0] == T0


def test_a_start_in_the_future_is_clamped_to_the_opening():
    start, trace = clock_start(ClocksConfig(start="first_published"), opened_at=T0,
                               first_published_at=T0 + timedelta(hours=2))
    assert start == T0 and "按立案时间计" in trace


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({"first_release": "30m"}, "leader_before.first_release", id="leader-before-longer-than-clock"),
    pytest.param({"ladder": {"repeat": {"leader": "10s"}}}, "at least 1m", id="repeat-too-short"),
    pytest.param({"calendar": "weekly"}, "calendar", id="unknown-calendar"),
    pytest.param({"working": {"holidays": ["11/23"]}}, "YYYY-MM-DD", id="bad-holiday"),
    pytest.param({"working": {"start": "18:00", "end": "09:00"}}, "must be after", id="inverted-window"),
    pytest.param({"lease_ttl": "4s", "lease_renew": "3s"}, "lease_renew", id="renew-too-slow"),
])
def test_bad_clock_config_is_refused_with_a_clear_message(data, message):
    with pytest.raises(ValidationError, match=message):
        ClocksConfig.model_validate(data)


def test_a_partial_ladder_table_keeps_the_other_defaults():
    config = ClocksConfig.model_validate({"ladder": {"leader_before": {"response": "6h"}, "repeat": {"leader": "0s"}}})
    assert config.ladder.leader_before["response"] == timedelta(hours=6)
    assert config.ladder.leader_before["first_release"] == timedelta(hours=1)
    assert not config.ladder.repeat["leader"]
    assert config.ladder.repeat["opened"] == timedelta(minutes=30)
