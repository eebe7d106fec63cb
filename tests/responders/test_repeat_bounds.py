"""Issue 15.5: an unanswered overdue step repeats with a back-off and a cap; the first repeats always go out."""

from __future__ import annotations

from datetime import timedelta

from responders.config import ClocksConfig

from .clockkit import directory  # noqa: F401  (fixture)
from .clockkit import events, fire, hours, open_test_case


def overdue_repeats(session, clock, directory, config, *, days: int) -> list:
    t0 = clock.now()
    case = open_test_case(session, t0, config=config, severity="major_emergency")
    # Step the clock every 10 minutes for `days`, as the daemon's loop would, with nobody acknowledging.
    for n in range(days * 24 * 6 + 1):
        clock.set(t0 + timedelta(minutes=10 * n))
        fire(session, clock, directory, config)
    return [e for e in events(session, case.id) if e.kind == "overdue" and e.payload["clock_kind"] == "first_release"]


def test_an_overdue_step_repeats_with_a_growing_interval_and_stops_at_the_cap(session, clock, directory):
    config = ClocksConfig.model_validate({"ladder": {"repeat": {"overdue": "1h"}, "max_repeats": 4,
                                                      "repeat_backoff": 2.0}})
    fired = overdue_repeats(session, clock, directory, config, days=3)
    assert [e.payload["attempt"] for e in fired] == [0, 1, 2, 3, 4]          # the notice and four repeats, no more
    gaps = [(b.created_at - a.created_at) for a, b in zip(fired, fired[1:])]
    assert gaps == [hours(1), hours(2), hours(4), hours(8)]
    assert "最后一次" in (fired[-1].payload["note"] or "")
    assert "第1次重复提醒" in (fired[1].payload["note"] or "")


def test_without_a_cap_the_repeats_go_on_at_a_fixed_interval_when_asked(session, clock, directory):
    config = ClocksConfig.model_validate({"ladder": {"repeat": {"overdue": "6h"}, "max_repeats": 0,
                                                      "repeat_backoff": 1.0}})
    fired = overdue_repeats(session, clock, directory, config, days=2)
    gaps = {(b.created_at - a.created_at) for a, b in zip(fired, fired[1:])}
    assert gaps == {hours(6)} and len(fired) >= 7


def test_the_default_ladder_is_bounded(session, clock, directory):
    config = ClocksConfig()
    assert config.ladder.max_repeats > 0 and config.ladder.repeat_backoff > 1
    fired = overdue_repeats(session, clock, directory, config, days=4)
    assert 1 < len(fired) <= config.ladder.max_repeats + 1
