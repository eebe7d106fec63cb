"""Scheduling of polls, syncing configured sources, and source health notices."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from monitor.config import SourceConfig
from monitor.models import Source, SourceNotice
from monitor.polling import backoff_delay, next_poll_after, sync_sources

from .feeds import FakeFeed

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def test_next_poll_stays_within_the_jitter_band():
    rng = random.Random(1)
    waits = [next_poll_after(NOW, timedelta(minutes=10), 0.1, rng) - NOW for _ in range(200)]
    assert min(waits) >= timedelta(minutes=9) and max(waits) <= timedelta(minutes=11)
    assert len(set(waits)) > 100


def test_no_jitter_means_exactly_the_interval():
    assert next_poll_after(NOW, timedelta(minutes=5), 0.0, random.Random()) == NOW + timedelta(minutes=5)


def test_backoff_doubles_and_is_capped():
    interval, cap = timedelta(minutes=5), timedelta(hours=1)
    assert [backoff_delay(interval, n, cap) for n in (1, 2, 3, 4, 5, 30)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40), cap, cap]


def test_sync_adds_updates_and_disables_sources_by_name(session, clock):
    now = clock.now()
    first = [SourceConfig(name="甲", kind="feed", url="https://a.example/rss", interval="10m"),
             SourceConfig(name="乙", kind="push")]
    assert sync_sources(session, now, first)["added"] == 2
    second = [SourceConfig(name="甲", kind="feed", url="https://a.example/rss", interval="1m")]
    counts = sync_sources(session, now, second)
    assert counts == {"added": 0, "updated": 1, "disabled": 1}
    rows = {s.name: s for s in session.scalars(select(Source))}
    assert rows["甲"].poll_interval_seconds == 60 and rows["乙"].enabled is False


def test_a_source_failing_three_times_raises_one_down_notice_then_recovers(httpserver, poller):
    httpserver.expect_request("/down").respond_with_data("oops", status=500)
    poller.add(url=httpserver.url_for("/down"), interval="1m")
    for _ in range(4):
        poller.poll()
        poller.clock.set(poller.source().next_poll_at)
    with Session(poller.engine) as session:
        notices = list(session.scalars(select(SourceNotice)))
    assert [n.kind for n in notices] == ["down"]
    assert "连续 3 次采集失败" in notices[0].detail and "http_500" in notices[0].detail
    assert poller.source().health == "down"
    httpserver.clear()
    httpserver.expect_request("/down").respond_with_data(FakeFeed().item(1).rss(), content_type="application/rss+xml")
    poller.poll()
    with Session(poller.engine) as session:
        kinds = [n.kind for n in session.scalars(select(SourceNotice).order_by(SourceNotice.id))]
    assert kinds == ["down", "recovered"] and poller.source().health == "ok"


def test_a_source_that_stops_producing_is_reported_silent(httpserver, poller):
    httpserver.expect_request("/quiet").respond_with_data(FakeFeed().item(1).rss(), content_type="application/rss+xml")
    poller.add(url=httpserver.url_for("/quiet"), interval="1h", silent_after="6h")
    poller.poll()
    for _ in range(5):
        poller.poll(advance=timedelta(hours=1, minutes=10))
    assert poller.source().health == "ok"
    poller.poll(advance=timedelta(hours=1, minutes=10))
    assert poller.source().health == "silent"
    with Session(poller.engine) as session:
        notice = session.scalars(select(SourceNotice)).one()
    assert notice.kind == "silent" and "没有新的信息" in notice.detail
    assert "阈值 6小时）" in notice.detail and ":00:00" not in notice.detail     # Chinese duration (issue 15.6)


def test_a_source_that_never_produced_is_not_silent(httpserver, poller):
    httpserver.expect_request("/empty").respond_with_data(FakeFeed().rss(), content_type="application/rss+xml")
    poller.add(url=httpserver.url_for("/empty"), interval="1h", silent_after="2h")
    for _ in range(4):
        poller.poll(advance=timedelta(hours=1, minutes=5))
    assert poller.source().health == "ok"


def test_only_due_sources_are_polled(httpserver, poller):
    httpserver.expect_request("/due").respond_with_data(FakeFeed().item(1).rss(), content_type="application/rss+xml")
    poller.add(url=httpserver.url_for("/due"), interval="10m")
    assert poller.poll().polled == 1
    assert poller.poll(advance=timedelta(minutes=5)).polled == 0
    assert poller.poll(advance=timedelta(minutes=6)).polled == 1
