"""Incident-level merging: differently worded reports of one incident become one event."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from monitor.assessment import ItemInput
from monitor.incidents import (
    NO_KIND_SIMILARITY, Candidate, IncidentFeatures, choose_target, forward_merged, incident_features, merge_incidents,
    same_place,
    similarity,
)
from monitor.judgement import Judge, judge_pending_events
from monitor.models import Event, Item, Source

NOW = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
WINDOW = timedelta(hours=72)
XIANGNING = "山西省临汾市乡宁县"
JIXIAN = "山西省临汾市吉县"
LINFEN = "山西省临汾市"


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(None, "山西省")


class Piece:
    def __init__(self, title: str, text: str):
        self.title, self.text = title, text


def features(judge, title: str, text: str = "") -> IncidentFeatures:
    assessment = judge.assess(ItemInput(id="x", title=title, text=text), NOW)
    assert assessment.priority, assessment.rationale
    return incident_features(assessment, [Piece(title, text)], judge.gazetteer)


def candidate(event_id: int, f: IncidentFeatures, *, hours_ago: float = 0) -> Candidate:
    at = NOW - timedelta(hours=hours_ago)
    return Candidate(event_id, at, at, f)


MINE_10 = ("乡宁县一煤矿发生瓦斯爆炸事故 已造成10人遇难7人被困", "乡宁县岭东煤业有限公司井下发生瓦斯爆炸事故，目前已确认10人遇难、7人被困，救援正在进行。")
MINE_13 = ("乡宁煤矿瓦斯爆炸事故遇难人数升至13人 仍有4人被困", "据乡宁县事故救援指挥部消息，岭东煤业瓦斯爆炸事故已造成13人遇难、4人被困。")
GAS = ("乡宁县一饭店发生燃气爆炸 致3人受伤", "昨日中午，乡宁县城一饭店发生燃气爆炸，造成3人受伤，已送医救治，事故原因正在调查。")
FLOOD = ("乡宁县另一煤矿发生透水事故 3人被困", "乡宁县某煤业公司井下发生透水事故，3名矿工被困，救援正在进行。")


def test_features_drop_places_and_figures_and_fold_kinds(judge):
    f = features(judge, *MINE_13)
    assert f.criteria == ("emergency_disaster",)
    assert f.kinds == ("爆炸",)                              # 遇难/被困 say nothing about which accident
    assert f.counties == (XIANGNING,) and f.cities == (LINFEN,) and f.bare_cities == ()
    assert f.headlines[0] == "煤矿瓦斯爆炸事故遇难人数升至 人 仍有 人被困"      # 乡宁 and 13/4 gone
    wage = features(judge, "介休一工地数十名农民工讨薪无果 多次投诉未获答复", "介休市“锦绣华庭”项目拖欠工资，网友热议。")
    assert wage.kinds == ("欠薪",) and "锦绣华庭" in wage.names     # 讨薪 is about 欠薪


def test_rising_death_toll_reports_of_one_explosion_are_one_incident(judge):
    first, later = features(judge, *MINE_10), features(judge, *MINE_13)
    intent = choose_target(candidate(2, later), [candidate(1, first, hours_ago=3)], now=NOW, window=WINDOW)
    assert intent is not None and (intent.source_id, intent.target_id) == (2, 1)
    assert "乡宁县" in intent.reason and "爆炸" in intent.reason and intent.score >= 0.3


@pytest.mark.parametrize("other, why", [
    pytest.param(GAS, "same kind, other incident: headlines differ", id="restaurant-gas-explosion"),
    pytest.param(FLOOD, "another kind of accident", id="second-mine-flooding"),
])
def test_another_accident_in_the_same_county_on_the_same_day_stays_apart(judge, other, why):
    mine = features(judge, *MINE_10)
    intent = choose_target(candidate(2, features(judge, *other)), [candidate(1, mine, hours_ago=1)], now=NOW, window=WINDOW)
    assert intent is None, why


def test_place_criteria_window_and_age_all_have_to_agree(judge):
    first = features(judge, *MINE_10)
    later = features(judge, *MINE_13)
    elsewhere = IncidentFeatures(**{**later.to_json(), "counties": [JIXIAN], "cities": [LINFEN]})
    other_criteria = IncidentFeatures(**{**later.to_json(), "criteria": ["public_interest"]})
    for new, old in [
        (candidate(2, elsewhere), candidate(1, first, hours_ago=1)),              # another county of the city
        (candidate(2, other_criteria), candidate(1, first, hours_ago=1)),         # no criterion in common
        (candidate(2, later), candidate(1, first, hours_ago=80)),                  # older than the window
        (candidate(1, later, hours_ago=1), candidate(2, first)),                  # only into an older event
    ]:
        assert choose_target(new, [old], now=NOW, window=WINDOW) is None
    # Sanity: the same pair with everything agreeing merges.
    assert choose_target(candidate(2, later), [candidate(1, first, hours_ago=1)], now=NOW, window=WINDOW) is not None


def test_a_city_named_alone_meets_its_counties_but_a_province_never_does():
    county = IncidentFeatures(counties=(XIANGNING,), cities=(LINFEN,))
    city = IncidentFeatures(cities=(LINFEN,), bare_cities=(LINFEN,))
    assert same_place(county, city) == LINFEN and same_place(city, county) == LINFEN
    assert same_place(IncidentFeatures(counties=(JIXIAN,), cities=(LINFEN,)), county) is None
    assert same_place(IncidentFeatures(), county) is None          # province-level or no place: never


def test_a_shared_topic_counts_as_the_same_incident_and_short_headlines_do_not_count():
    a = IncidentFeatures(headlines=("停暖",), names=("运城停暖",))
    b = IncidentFeatures(headlines=("停暖",), names=("运城停暖",))
    assert similarity(a, b)[0] == 1.0
    assert similarity(IncidentFeatures(headlines=("停暖",)), IncidentFeatures(headlines=("停暖",)))[0] == 0.0


def test_without_a_kind_on_one_side_the_headlines_must_be_closer(judge):
    rumour = IncidentFeatures(criteria=("rumor",), counties=(XIANGNING,), cities=(LINFEN,),
                              headlines=("网传煤矿瓦斯爆炸遇难人数被瞒报",))
    mine = IncidentFeatures(criteria=("rumor", "emergency_disaster"), kinds=("爆炸",), counties=(XIANGNING,),
                            cities=(LINFEN,), headlines=("一煤矿发生瓦斯爆炸事故已造成人遇难人被困",))
    score = similarity(rumour, mine)[0]
    assert 0.3 <= score < 0.5
    assert choose_target(candidate(2, rumour), [candidate(1, mine, hours_ago=1)], now=NOW, window=WINDOW) is None


# ------------------------------------------------------------------------------- storing, on a database

def _event(session, source, texts, *, at):
    title = texts[0][0]
    event = Event(title=title, first_seen_at=at, last_seen_at=at, needs_judgement=True, matched_schemes=["安全生产"])
    session.add(event)
    session.flush()
    for i, (t, x) in enumerate(texts):
        session.add(Item(source_id=source.id, external_id=f"{event.id}-{i}", event_id=event.id, title=t, text=x,
                         fetched_at=at, content_hash=f"{event.id}-{i}", metrics={"views": 50000}))
    session.commit()
    return event


def _mine_reports(session):
    """Return a push source and two events from it: the mine explosion at 10 dead, then at 13, 3 h apart."""
    source = Source(name="临汾新闻网", kind="push", created_at=NOW)
    session.add(source)
    session.commit()
    first = _event(session, source, [MINE_10], at=NOW - timedelta(hours=3))
    return source, first, _event(session, source, [MINE_13], at=NOW)


def test_merging_moves_the_items_recounts_the_target_and_flags_it_for_judgement(session, judge):
    one = Source(name="临汾新闻网", kind="push", created_at=NOW)
    two = Source(name="山西新闻网", kind="push", created_at=NOW)
    session.add_all([one, two])
    session.commit()
    first = _event(session, one, [MINE_10], at=NOW - timedelta(hours=3))
    later = _event(session, two, [MINE_13], at=NOW)
    gas = _event(session, two, [GAS], at=NOW)
    judged = judge_pending_events(session, NOW, judge, limit=10)
    assert [e.id for e, a in judged if a.priority] == [first.id, later.id, gas.id]

    remaining = merge_incidents(session, NOW, judged, window=WINDOW, with_cases=set())
    session.commit()

    assert [e.id for e, _a in remaining] == [first.id, gas.id]
    session.expire_all()
    target, merged = session.get(Event, first.id), session.get(Event, later.id)
    assert merged.merged_into_id == first.id and not merged.needs_judgement
    assert "岭东" not in merged.incident["merged_into"]["reason"] and "爆炸" in merged.incident["merged_into"]["reason"]
    assert (target.item_count, target.source_count, target.needs_judgement) == (2, 2, True)
    assert target.heat > 0 and target.last_seen_at == NOW
    assert {i.event_id for i in session.exec(select(Item).where(Item.source_id == two.id))} == {first.id, gas.id}
    assert session.get(Event, gas.id).merged_into_id is None


def test_an_event_with_a_case_is_never_merged(session, judge):
    source, first, later = _mine_reports(session)
    judged = judge_pending_events(session, NOW, judge, limit=10)
    assert merge_incidents(session, NOW, judged, window=WINDOW, with_cases={later.id}) == judged
    assert session.get(Event, later.id).merged_into_id is None and first.id < later.id


def test_items_that_join_a_merged_event_later_are_forwarded_to_its_target(session, judge):
    source, first, later = _mine_reports(session)
    merge_incidents(session, NOW, judge_pending_events(session, NOW, judge, limit=10), window=WINDOW, with_cases=set())
    session.commit()
    # A repost still indexed under the merged event joins it, and the event is flagged again.
    session.add(Item(source_id=source.id, external_id="late", event_id=later.id, title=MINE_13[0], text=MINE_13[1],
                     fetched_at=NOW, content_hash="late"))
    session.get(Event, later.id).needs_judgement = True
    session.commit()

    judged = judge_pending_events(session, NOW, judge, limit=10)

    assert later.id not in [e.id for e, _a in judged]          # a merged event is never judged (nor opens a case)
    assert session.get(Item, session.exec(select(Item.id).where(Item.external_id == "late")).one()).event_id == first.id
    assert forward_merged(session, NOW, [first.id]) == {}


# Weibo posts have no title: the stored title is the start of the text (monitor.entries, 60 characters).
RUMOUR_1 = ("紧急扩散！！听说云州区自来水厂被人投毒了，已经有好几个小孩喝了水送医院了，这两天千万别喝自来水，赶紧告诉家里人", "紧急扩散！！听说云州区自来水厂被人投毒了，已经有好几个小孩喝了水送医院了，这两天千万别喝自来水，赶紧告诉家里人！！！")
RUMOUR_2 = ("转：大同云州区水厂被投毒，超市的桶装水都被抢光了。到底是真是假？有关部门能不能出来说句话，别让谣言满天飞！", "转：大同云州区水厂被投毒，超市的桶装水都被抢光了。到底是真是假？有关部门能不能出来说句话，别让谣言满天飞！")
RUMOUR_OTHER = ("网传云州区第三小学食堂饭菜有毒，十几个学生食物中毒送医，学校封锁消息，谣言还是真的？紧急扩散！", "网传云州区第三小学食堂饭菜有毒，十几个学生食物中毒送医，学校封锁消息，谣言还是真的？紧急扩散！")


def test_two_rumours_making_the_same_claim_in_other_words_are_one_incident(judge):
    """Issue 15.8: whole headlines score below 0.5; the claim (水厂被投毒) is the same."""
    first, second = features(judge, *RUMOUR_1), features(judge, *RUMOUR_2)
    assert "rumor" in first.criteria and "rumor" in second.criteria
    assert similarity(second, first)[0] < NO_KIND_SIMILARITY
    intent = choose_target(candidate(2, second), [candidate(1, first, hours_ago=1)], now=NOW, window=WINDOW)
    assert intent is not None and intent.target_id == 1 and "说法相同" in intent.reason


def test_two_different_rumours_of_one_county_stay_apart(judge):
    first, other = features(judge, *RUMOUR_1), features(judge, *RUMOUR_OTHER)
    assert "rumor" in other.criteria
    assert choose_target(candidate(2, other), [candidate(1, first, hours_ago=1)], now=NOW, window=WINDOW) is None
