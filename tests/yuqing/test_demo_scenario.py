"""The scenario file format and the bundled scenario."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from yuqing.demo.scenario import ScenarioError, bundled_scenarios, fill_dates, load_scenario


def test_the_bundled_scenario_loads_and_tells_every_story():
    scenario = load_scenario("shanxi")
    ids = {i.id for i in scenario.items}
    for prefix in ("mine-", "wage-", "ebike-", "rumor-", "news-", "notice-"):
        assert any(i.startswith(prefix) for i in ids), prefix
    assert "shanxi" in bundled_scenarios()
    timeline = scenario.timeline()
    assert [i.at for i in timeline] == sorted(i.at for i in scenario.items)
    assert scenario.length() == timeline[-1].at


def test_the_mine_story_has_a_rising_death_toll():
    scenario = load_scenario("shanxi")
    mine = [i for i in scenario.timeline() if i.id.startswith("mine-") and i.title]
    tolls = [int(t) for i in mine for t in re.findall(r"(?:造成|已致|升至|确定为)(\d+)人", i.title)]
    assert tolls == sorted(tolls) and tolls[0] >= 10 and tolls[-1] > tolls[0]


def test_the_wage_story_spreads_to_a_second_county():
    scenario = load_scenario("shanxi")
    wage = [i for i in scenario.timeline() if i.id.startswith("wage-")]
    first_pingyao = next(n for n, i in enumerate(wage) if "平遥" in i.text)
    assert first_pingyao > 0 and all("介休" in i.text for i in wage[:first_pingyao])


def _write(tmp_path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD_FEED = '[[feeds]]\nid = "a"\ntitle = "A"\n'


@pytest.mark.parametrize("body, expected", [
    pytest.param(GOOD_FEED + '[[items]]\nid = "x"\nfeed = "a"\nat = -1\ntext = "t"\n', "items[0].at", id="negative-offset"),
    pytest.param(GOOD_FEED + '[[items]]\nid = "x"\nfeed = "b"\nat = 1\ntext = "t"\n', "no feed has id 'b'", id="unknown-feed"),
    pytest.param(GOOD_FEED + '[[items]]\nid = "x"\nfeed = "a"\nat = 1\ntext = "t"\n'
                 '[[items]]\nid = "x"\nfeed = "a"\nat = 2\ntext = "u"\n', "duplicate item id(s): x", id="duplicate-id"),
    pytest.param(GOOD_FEED + '[[items]]\nid = "x"\nfeed = "a"\nat = "soon"\ntext = "t"\n', "items[0].at", id="bad-duration"),
    pytest.param(GOOD_FEED + '[[items]]\nid = "x"\nfeed = "a"\nat = 1\ntext = "t"\nmetrics = { likes = 3 }\n',
                 "unknown metric(s) likes", id="unknown-metric"),
    pytest.param('name = "s"\n[[feeds]\n', "TOML syntax error", id="syntax"),
])
def test_a_bad_scenario_is_refused_naming_the_file_and_key(tmp_path, body, expected):
    path = _write(tmp_path, 'name = "s"\n' + body if not body.startswith("name") else body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert expected in str(err.value) and path in str(err.value)


def test_an_unknown_scenario_name_lists_the_bundled_ones():
    with pytest.raises(ScenarioError, match="shanxi"):
        load_scenario("no-such-scenario")


def test_offsets_accept_hours_and_durations(tmp_path):
    path = _write(tmp_path, 'name = "s"\n' + GOOD_FEED +
                  '[[items]]\nid = "x"\nfeed = "a"\nat = "1h30m"\npublished = "-20m"\ntext = "t"\n'
                  '[[items]]\nid = "y"\nfeed = "a"\nat = 0.25\ntext = "t"\n')
    scenario = load_scenario(path)
    x, y = sorted(scenario.items, key=lambda i: i.id)
    assert (x.at, x.published, y.at) == (timedelta(minutes=90), timedelta(minutes=-20), timedelta(minutes=15))


def test_dates_in_texts_follow_the_start_of_the_drill_in_shanghai_time():
    origin = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)     # 12-01 01:00 in Shanghai
    assert fill_dates("{date+0}发生，“{dot+0}”事故，{date+1}通报", origin) == "12月1日发生，“12·1”事故，12月2日通报"
