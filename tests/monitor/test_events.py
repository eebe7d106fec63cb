"""Merging items into events: exact duplicates, reposts across sites, near duplicates, statistics."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from monitor.entries import RawEntry
from monitor.events import EventIndex, heat_score
from monitor.models import Event, Item, Source
from monitor.schemes import Matcher, build_scheme
from monitor.store import store_entries

STORY = ("晋中市太谷区多个小区自11月19日起大面积停水，居民生活受到严重影响。自来水公司称主管道爆裂，"
         "正在组织抢修，预计11月21日恢复供水。部分居民反映未提前收到通知，对停水时间过长表示不满。")


def make_source(session, now, name):
    source = Source(name=name, kind="feed", created_at=now)
    session.add(source)
    session.commit()
    return source


def store(session, now, source, entries, *, keep_everything=False, window=timedelta(hours=72)):
    matcher = Matcher([build_scheme(name="停水", expression="停水|停暖")], keep_everything=keep_everything)
    index = EventIndex.load(session, now, window)
    result = store_entries(session, now, source=source, entries=entries, matcher=matcher, index=index)
    session.commit()
    return result


def test_a_repost_with_another_site_suffix_and_url_joins_the_same_event(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "新浪"), make_source(session, now, "网易")
    first = store(session, now, a, [RawEntry("s1", title="太谷区大面积停水居民生活受影响 - 新浪新闻", content=STORY, url="https://sina.example/1")])
    clock.advance(timedelta(minutes=20))
    second = store(session, clock.now(), b, [RawEntry("w9", title="太谷区大面积停水居民生活受影响_网易", content="转载。" + STORY[:40], url="https://163.example/9")])
    assert first.events_created and second.events_grown == first.events_created
    event = session.get(Event, next(iter(first.events_created)))
    session.refresh(event)
    assert (event.item_count, event.source_count) == (2, 2)
    assert event.needs_judgement is True
    assert event.heat == heat_score(item_count=2, source_count=2, growth_per_hour=event.growth_per_hour)


def test_a_lightly_edited_copy_is_a_near_duplicate(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "甲"), make_source(session, now, "乙")
    store(session, now, a, [RawEntry("1", title="太谷区停水情况通报", content=STORY)])
    edited = STORY.replace("11月21日", "11月22日").replace("严重", "较大")
    result = store(session, now, b, [RawEntry("2", title="关于太谷区停水的情况通报", content=edited)])
    assert result.events_grown and not result.events_created


def test_different_incidents_make_different_events(session, clock):
    now = clock.now()
    a = make_source(session, now, "甲")
    result = store(session, now, a, [
        RawEntry("1", title="太谷区停水", content=STORY),
        RawEntry("2", title="大同市云冈区供热不足居民家中停暖", content="云冈区多个小区室温不足十度，供热公司称设备故障，居民集中投诉。"),
    ])
    assert len(result.events_created) == 2


def test_the_same_text_twice_from_one_source_is_stored_once(session, clock):
    now = clock.now()
    a = make_source(session, now, "甲")
    store(session, now, a, [RawEntry("1", title="太谷区停水", content=STORY)])
    result = store(session, now, a, [RawEntry("1-again", title="太谷区停水", content=STORY)])
    assert result.new_items == 0 and result.duplicates == 1


def test_items_matching_no_scheme_are_kept_without_an_event(session, clock):
    now = clock.now()
    a = make_source(session, now, "甲")
    result = store(session, now, a, [RawEntry("1", title="平遥古城游客量创新高", content="景区迎来客流高峰。")])
    assert result.new_items == 1 and not result.events
    item = session.scalars(select(Item)).one()
    assert item.event_id is None


def test_keep_everything_puts_unmatched_items_into_events(session, clock):
    now = clock.now()
    a = make_source(session, now, "甲")
    result = store(session, now, a, [RawEntry("1", title="平遥古城游客量创新高", content="景区迎来客流高峰。")], keep_everything=True)
    assert len(result.events_created) == 1


def test_items_outside_the_window_open_a_new_event(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "甲"), make_source(session, now, "乙")
    first = store(session, now, a, [RawEntry("1", title="太谷区停水", content=STORY)])
    clock.advance(timedelta(hours=73))
    second = store(session, clock.now(), b, [RawEntry("2", title="太谷区停水", content=STORY)])
    assert second.events_created and second.events_created != first.events_created


def test_growth_counts_the_items_of_the_last_hour(session, clock):
    now = clock.now()
    sources = [make_source(session, now, f"站点{n}") for n in range(4)]
    store(session, now - timedelta(hours=3), sources[0], [RawEntry("0", title="太谷区停水", content=STORY)])
    for n, source in enumerate(sources[1:], start=1):
        store(session, now, source, [RawEntry(str(n), title="太谷区停水", content=STORY + "转" * n)])
    event = session.scalars(select(Event)).one()
    assert (event.item_count, event.source_count, event.growth_per_hour) == (4, 4, 3.0)


def test_templated_notices_about_different_places_stay_separate_events(session, clock):
    now = clock.now()
    a = make_source(session, now, "自来水公司")
    body = "因供水管网改造施工，届时上述区域将停止供水，请广大用户提前做好储水准备，给您带来的不便敬请谅解。咨询电话12345。"
    result = store(session, now, a, [
        RawEntry("1", title="太原市小店区部分区域停水通知", content=body),
        RawEntry("2", title="大同市平城区部分区域停水通知", content=body),
    ])
    assert len(result.events_created) == 2


def test_engagement_of_pushed_items_raises_the_heat(session, clock):
    now = clock.now()
    quiet, loud = make_source(session, now, "甲"), make_source(session, now, "乙")
    a = store(session, now, quiet, [RawEntry("1", title="太谷区停水", content=STORY)])
    b = store(session, now, loud, [RawEntry("2", title="大同市云冈区停暖", content="云冈区多个小区室温不足十度，居民集中投诉供热公司。",
                                            metrics={"views": 100_000, "reposts": 500})])
    heat = {e.id: e.heat for e in session.scalars(select(Event))}
    (ida,), (idb,) = a.events_created, b.events_created
    assert heat[idb] > heat[ida]
    assert heat[idb] == heat_score(item_count=1, source_count=1, growth_per_hour=1.0, engagement=105_000)


def test_engagement_counts_only_the_items_with_metrics_of_each_event_refreshed_together(session, clock):
    now = clock.now()
    feed, push = make_source(session, now, "甲"), make_source(session, now, "乙")
    store(session, now, feed, [RawEntry("1", title="太谷区停水", content=STORY),
                               RawEntry("2", title="大同市云冈区停暖", content="云冈区多个小区室温不足十度，居民集中投诉供热公司。")])
    # One batch: a pushed copy with metrics joins the first event; the second event gets none.
    result = store(session, now, push, [RawEntry("p1", title="太谷区停水", content=STORY + "（转）", metrics={"views": 5000, "comments": 4}),
                                        RawEntry("p2", title="大同市云冈区停暖", content="云冈区多个小区室温不足十度，居民集中投诉供热公司。（转）")])
    assert len(result.events_grown) == 2
    heat = {e.title: e.heat for e in session.scalars(select(Event))}
    assert heat["太谷区停水"] == heat_score(item_count=2, source_count=2, growth_per_hour=2.0, engagement=5020)
    assert heat["大同市云冈区停暖"] == heat_score(item_count=2, source_count=2, growth_per_hour=2.0)

def test_a_kept_index_learns_items_stored_elsewhere_and_is_rebuilt_when_old(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "甲"), make_source(session, now, "乙")
    kept = EventIndex.load(session, now, timedelta(hours=72))
    store(session, now, a, [RawEntry("1", title="太谷区停水", content=STORY)])     # another process's write
    item = store(session, now, b, [RawEntry("probe", title="太谷区停水", content=STORY + "（转）")])
    session.rollback()
    refreshed = kept.refresh(session, now, timedelta(hours=72))
    assert refreshed is kept and kept.last_item_id == 2
    probe = session.scalars(select(Item).where(Item.external_id == "probe")).one()
    assert item.events_grown and probe.event_id in {r.id for r in kept.by_hash.values()}
    assert kept.refresh(session, now + timedelta(hours=7), timedelta(hours=72)) is not kept


# Issue 22 point 7: the same templated lead for two counties, headlines naming no place. The MinHash
# estimate of the pair is 0.86, well above the 0.5 threshold: only the places tell them apart.
MINE = "3月5日，{}一煤矿发生顶板事故，造成2人死亡。事故发生后，省市县有关部门第一时间赶赴现场，事故原因正在调查中。"


def test_templated_reports_for_two_counties_with_placeless_headlines_stay_separate_events(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "甲"), make_source(session, now, "乙")
    first = store(session, now, a, [RawEntry("1", title="煤矿发生事故", content=MINE.format("静乐县"))], keep_everything=True)
    # A later run reads the first item back from the database (its lead, not the in-memory item).
    second = store(session, now, b, [RawEntry("2", title="煤矿发生事故", content=MINE.format("吉县"))], keep_everything=True)
    assert first.events_created and second.events_created and second.events_created != first.events_created
    # The same county's report from another site still joins (the guard splits places, not reposts).
    third = store(session, now, make_source(session, now, "丙"),
                  [RawEntry("3", title="煤矿发生事故", content="转：" + MINE.format("静乐县"))], keep_everything=True)
    assert third.events_grown == first.events_created and not third.events_created


def test_a_county_and_its_city_are_the_same_place_for_near_duplicates(session, clock):
    now = clock.now()
    a, b = make_source(session, now, "甲"), make_source(session, now, "乙")
    first = store(session, now, a, [RawEntry("1", title="煤矿发生事故", content=MINE.format("忻州市静乐县"))], keep_everything=True)
    second = store(session, now, b, [RawEntry("2", title="煤矿发生事故", content=MINE.format("忻州市"))], keep_everything=True)
    assert second.events_grown == first.events_created and not second.events_created


# Real wire copy (中国气象局 via 国家应急广播, http://www.cneb.gov.cn/2019/12/25/ARTI1577266971665150.shtml):
# headline and the first 160 characters verbatim. Such bulletins are re-published on aggregator pages
# headed without the place ("发布道路结冰黄色预警") and the same text is issued for the next city with
# only the names changed; the second copy below is that reuse for 长治市.
JINCHENG_TITLE = "山西省晋城市发布道路结冰黄色预警"
JINCHENG = ("山西省晋城市气象台2019年12月25日17时30分继续发布道路结冰黄色预警信号。受降水影响,预计今天夜间到明天白天"
            "路表温度低于0℃,可能出现对交通有影响的道路结冰,请注意防范。防御指南:1.交通、公安等部门要按照职责做好道路结冰应对准备工作;")


def test_real_wire_copy_reused_for_another_city_is_another_event(session, clock):
    now = clock.now()
    a, b, c = make_source(session, now, "国家应急广播"), make_source(session, now, "聚合站"), make_source(session, now, "天气网")
    first = store(session, now, a, [RawEntry("1", title=JINCHENG_TITLE, content=JINCHENG)], keep_everything=True)
    reused = store(session, now, b, [RawEntry("2", title="发布道路结冰黄色预警", content=JINCHENG.replace("晋城市", "长治市"))],
                   keep_everything=True)
    assert reused.events_created and reused.events_created != first.events_created
    repost = store(session, now, c, [RawEntry("3", title="发布道路结冰黄色预警", content=JINCHENG + "(预警信息来源:国家预警信息发布中心)")],
                   keep_everything=True)
    assert repost.events_grown == first.events_created


def test_near_duplicates_and_incidents_ask_one_place_rule():
    from monitor import incidents, places
    assert incidents.same_place is places.same_place
    g = places.national_gazetteer()
    jingle, jixian = places.places_in("静乐县", g), places.places_in("吉县", g)
    xinzhou = places.places_in("忻州市", g)
    assert places.different_places(jingle, jixian) and not places.different_places(jingle, xinzhou)
    assert not places.different_places(jingle, places.places_in("山西省"))   # a province alone names no place
