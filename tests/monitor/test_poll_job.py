"""The daemon's poll job (yuqing.jobs): syncs the configured sources, polls them, stores events."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from monitor.config import SourceConfig
from monitor.models import Event, Item, Source
from yuqing.jobs import build_jobs
from yuqing.runtime import Runtime

from .feeds import FakeFeed


def test_the_poll_job_syncs_sources_and_stores_events_from_a_local_feed(httpserver, engine, clock, example_config):
    httpserver.expect_request("/rss").respond_with_data(
        FakeFeed().item(1, title="太原市迎泽区多个小区停水 居民生活受影响").item(2).rss(), content_type="application/rss+xml")
    config = example_config.model_copy(update={"sources": [
        SourceConfig(name="本地订阅", kind="feed", url=httpserver.url_for("/rss"), interval="1m"),
        SourceConfig(name="平台推送", kind="push"),
    ]})
    runtime = Runtime(config, clock, engine=engine)
    poll = next(job for job in build_jobs(runtime) if job.name == "poll")
    asyncio.run(poll.func(runtime))
    with Session(engine) as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        assert set(sources) == {"本地订阅", "平台推送"}
        assert sources["本地订阅"].last_status == "ok"
        items = session.scalars(select(Item)).all()
        assert len(items) == 2
        matched = [i for i in items if i.event_id is not None]
        assert [i.title for i in matched] == ["太原市迎泽区多个小区停水 居民生活受影响"]
        assert session.get(Event, matched[0].event_id).matched_schemes == ["民生热点"]
    # Not due again within its interval: a second run polls nothing new.
    asyncio.run(poll.func(runtime))
    with Session(engine) as session:
        assert len(session.scalars(select(Item)).all()) == 2
        assert len(httpserver.log) == 1
