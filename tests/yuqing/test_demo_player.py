"""The scenario player: items appear over time, as RSS, keyword search and article pages."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest

from yuqing.demo.player import FeedPlayer, parse_since, query_matcher
from yuqing.demo.scenario import Scenario, load_scenario

BASE = "http://127.0.0.1:9"


@pytest.fixture
def player(clock) -> FeedPlayer:
    return FeedPlayer(load_scenario("shanxi"), origin=clock.now(), base_url=BASE)


def test_items_appear_only_once_their_offset_has_passed(player, clock):
    assert [i.id for i in player.visible(clock.now())] == []
    clock.advance(timedelta(minutes=47))
    assert "mine-02" not in [i.id for i in player.visible(clock.now())]
    clock.advance(timedelta(minutes=1))
    assert "mine-02" in [i.id for i in player.visible(clock.now())]
    assert player.item("wage-01", clock.now()) is None          # the future is not served
    assert player.next_at(clock.now()) == clock.now() - timedelta(minutes=48) + timedelta(hours=1.5)


def test_the_rss_feed_parses_with_the_items_seen_so_far(player, clock):
    clock.advance(timedelta(hours=9))
    parsed = feedparser.parse(player.rss("linfen", clock.now()))
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == ["demo:mine-06", "demo:mine-02"]     # newest first
    first = parsed.entries[-1]
    assert first.title.startswith("乡宁县一煤矿发生瓦斯爆炸事故") and first.link == f"{BASE}/items/mine-02"
    assert "{date" not in first.summary and "月" in first.summary
    published = player.item("mine-02", clock.now()).published_at
    assert published < player.item("mine-02", clock.now()).seen_at         # published a little before it is seen


def test_an_unknown_feed_is_a_key_error(player, clock):
    with pytest.raises(KeyError):
        player.rss("nope", clock.now())


def test_search_answers_with_the_weibo_posts_that_match_the_scheme(player, clock):
    clock.advance(timedelta(hours=60))
    answer = player.search("(乡宁|介休)+(煤矿|欠薪)", clock.now())
    ids = [r["id"] for r in answer["results"]]
    assert ids and set(ids) <= {"mine-01", "mine-03", "mine-04", "mine-08", "wage-01", "wage-03"}
    assert "mine-02" not in ids                         # news items come through their RSS feed only
    assert answer["results"][0]["metrics"]["views"] > 0
    since = player.item("wage-01", clock.now()).published_at
    later = player.search("(乡宁|介休)+(煤矿|欠薪)", clock.now(), since=since)
    assert {r["id"] for r in later["results"]} == {"wage-01", "mine-08", "wage-03"}


def test_search_exclusions_and_unparsable_queries_are_handled_like_a_search_engine():
    assert query_matcher("(太原|大同)+(演练|爆炸)-演练")("太原燃气爆炸演练") is False
    assert query_matcher("(太原|大同)+(演练|爆炸)-演练")("太原燃气爆炸") is True
    assert query_matcher("煤矿 -演练 ((")("乡宁煤矿") is True          # does not parse: any word, minus exclusions
    assert query_matcher("")("anything") is True


def test_hostile_text_stays_text_in_the_feed(clock):
    scenario = Scenario.model_validate({
        "name": "x", "feeds": [{"id": "f", "title": "F"}],
        "items": [{"id": "i", "feed": "f", "at": 0, "title": "<script>alert(1)</script>&amp;", "text": "]]><b>x</b>"}]})
    player = FeedPlayer(scenario, origin=clock.now(), base_url=BASE)
    parsed = feedparser.parse(player.rss("f", clock.now()))
    assert not parsed.bozo and len(parsed.entries) == 1
    assert "<script>" not in player.article_html(player.item("i", clock.now()))


@pytest.mark.parametrize("value, ok", [
    pytest.param("2026-11-20T09:00:00+08:00", True, id="iso"),
    pytest.param("1763600000", True, id="unix"),
    pytest.param("", False, id="empty"),
    pytest.param("yesterday", False, id="garbage"),
])
def test_since_is_read_leniently(value, ok):
    assert (parse_since(value) is not None) is ok
