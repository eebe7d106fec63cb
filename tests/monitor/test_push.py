"""Push acceptance (POST /api/items): each record is checked on its own, good ones are stored."""

from __future__ import annotations

import pytest
from sqlmodel import select

from monitor.errors import SourceNotFound
from monitor.models import Event, Item, Source
from monitor.polling import sync_sources
from monitor.config import SourceConfig
from monitor.push import accept_records

from .conftest import Settings


@pytest.fixture
def push_source(session, clock):
    sync_sources(session, clock.now(), [SourceConfig(name="平台推送", kind="push")])
    return "平台推送"


def test_it_stores_good_records_and_lists_the_bad_ones(session, clock, push_source):
    records = [
        {"id": "a01", "title": "太谷区停水", "text": "居民反映停水三天", "source": "微博", "published": "2026-11-20T08:00:00+08:00",
         "metrics": {"views": 5000, "reposts": 30}},
        {"id": "a02", "text": 42},
        {"title": "no id", "text": "x"},
        {"id": "a04", "text": "x", "metrics": {"views": -1}},
        {"id": "a05", "text": "x", "published": "last tuesday"},
        "not an object",
    ]
    result = accept_records(session, clock.now(), records, source_name=push_source, config=Settings())
    assert (result.received, result.accepted) == (6, 1)
    assert [r["index"] for r in result.rejected] == [1, 2, 3, 4, 5]
    assert "text" in result.rejected[0]["error"] and "metrics.views" in result.rejected[2]["error"]
    item = session.scalars(select(Item)).one()
    assert (item.external_id, item.site, item.metrics) == ("a01", "微博", {"views": 5000, "reposts": 30})
    assert len(result.events) == 1 and session.get(Event, result.events[0]).needs_judgement
    source = session.scalars(select(Source)).one()
    assert source.last_status == "partial" and "5 records rejected" in source.last_error


def test_a_single_record_may_be_pushed_without_a_list(session, clock, push_source):
    result = accept_records(session, clock.now(), {"id": "b1", "text": "平遥停暖"}, source_name=push_source, config=Settings())
    assert result.accepted == 1


def test_pushing_the_same_record_twice_stores_it_once(session, clock, push_source):
    record = {"id": "c1", "text": "太谷停水"}
    accept_records(session, clock.now(), [record], source_name=push_source, config=Settings())
    again = accept_records(session, clock.now(), [record], source_name=push_source, config=Settings())
    assert (again.accepted, again.duplicates) == (0, 1)


def test_an_unknown_push_source_is_refused(session, clock):
    with pytest.raises(SourceNotFound):
        accept_records(session, clock.now(), [{"id": "x", "text": "y"}], source_name="无此源", config=Settings())


def test_a_configured_push_source_not_yet_synced_is_created_on_first_push(session, clock):
    settings = Settings(sources=[SourceConfig(name="新推送", kind="push")])
    result = accept_records(session, clock.now(), {"id": "n1", "text": "太谷停水"}, source_name="新推送", config=settings)
    assert result.accepted == 1
    assert session.scalars(select(Source).where(Source.name == "新推送")).one().kind == "push"


def test_nul_characters_and_lone_surrogates_are_cleaned_not_fatal(session, clock, push_source):
    records = [{"id": "bad\u0000id", "title": "太谷\u0000停水", "text": "居民\ud800反映", "source": "论坛\u0000"},
               {"id": "fine", "text": "平遥停暖"}]
    result = accept_records(session, clock.now(), records, source_name=push_source, config=Settings())
    assert result.accepted == 2
    item = session.scalars(select(Item).where(Item.external_id == "badid")).one()
    assert (item.title, item.text, item.site) == ("太谷停水", "居民?反映", "论坛")
