"""`yuqing ingest` (CONTRACT.md): files, folders and URLs through the daemon's write path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

import monitor.ingest as ingest_module
import monitor.polling as polling
import monitor.sources.file as file_source
from monitor.ingest import ingest_targets
from monitor.models import Event, Item, Source
from yuqing.cli import main
from yuqing.config import load_config

from .feeds import FakeFeed

CONFIG = str(Path(__file__).resolve().parents[2] / "config.toml")


@pytest.fixture
def run_ingest(db_url, monkeypatch, capsys):
    monkeypatch.setenv("YUQING__STORAGE__URL", db_url)

    def run(*targets):
        code = main(["ingest", "--config", CONFIG, *map(str, targets)])
        out = capsys.readouterr().out.strip().splitlines()
        return code, json.loads(out[-1])

    return run


def test_it_ingests_files_folders_and_urls_and_prints_the_counts(tmp_path, httpserver, run_ingest, engine):
    single = tmp_path / "one.xml"
    single.write_bytes(FakeFeed().item(1, title="太原市迎泽区大面积停水居民生活受影响").item(2).rss())
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.rss").write_bytes(FakeFeed().item(10, title="大同市平城区供热不足居民投诉停暖").rss())
    (folder / "b.xml").write_bytes(FakeFeed().item(10, title="晋中市太谷区停水 - 转载", guid="b-10").rss())
    (folder / "notes.txt").write_text("ignored")
    httpserver.expect_request("/rss").respond_with_data(FakeFeed().item(20).item(21).rss(), content_type="application/rss+xml")
    code, out = run_ingest(single, folder, httpserver.url_for("/rss"))
    assert code == 0
    assert set(out) >= {"items", "new_items", "events", "cases", "seconds"}
    assert (out["items"], out["new_items"], out["errors"]) == (6, 6, [])
    with Session(engine) as session:
        assert session.scalars(select(Item).where(Item.event_id.is_not(None))).all()
        assert out["events"] == len(session.scalars(select(Event)).all())
        names = sorted(s.name for s in session.scalars(select(Source)))
        assert all(n.startswith("ingest:") for n in names) and len(names) == 4
        assert not any(s.enabled for s in session.scalars(select(Source)))
    code, again = run_ingest(single)
    assert (again["items"], again["new_items"], again["events"]) == (2, 0, 0)


def test_a_missing_target_is_reported_and_the_others_still_go_in(tmp_path, run_ingest, capsys):
    good = tmp_path / "good.xml"
    good.write_bytes(FakeFeed().item(1).rss())
    code, out = run_ingest(tmp_path / "missing.xml", good)
    assert code == 0 and out["new_items"] == 1
    assert len(out["errors"]) == 1 and "missing.xml" in out["errors"][0]


def test_it_exits_1_when_no_target_could_be_read(tmp_path, run_ingest):
    html = tmp_path / "page.xml"
    html.write_text("<!DOCTYPE html><html><body>不是订阅</body></html>", encoding="utf-8")
    code, out = run_ingest(html)
    assert code == 1 and "HTML page" in out["errors"][0]


def _folder(tmp_path, count):
    folder = tmp_path / "feeds"
    folder.mkdir()
    for n in range(count):
        (folder / f"f{n:02d}.xml").write_bytes(FakeFeed().item(100 + n, title=f"太原市第{n}号小区停水通知").rss())
    return folder


def _ingest(engine, now, folder):
    return asyncio.run(ingest_targets(engine, now, [str(folder)], settings=load_config(CONFIG, environ={})))


def test_a_feed_that_fails_to_store_costs_only_itself_when_feeds_are_committed_together(tmp_path, engine, clock, monkeypatch):
    folder = _folder(tmp_path, 7)
    real = polling.store_entries

    def failing(session, now, *, source, **kwargs):
        if source.name.endswith("f03.xml"):
            raise RuntimeError("disk on fire")
        return real(session, now, source=source, **kwargs)

    monkeypatch.setattr(polling, "store_entries", failing)
    monkeypatch.setattr(ingest_module, "BATCH_FEEDS", 5)     # f03 fails inside the first batch of five
    report = _ingest(engine, clock.now(), folder)
    assert (report.items, report.new_items) == (6, 6)
    with Session(engine) as session:
        stored = {session.get(Source, i.source_id).name.rsplit("/", 1)[-1] for i in session.scalars(select(Item))}
        assert stored == {f"f{n:02d}.xml" for n in range(7)} - {"f03.xml"}
        bad = session.scalars(select(Source).where(Source.name.endswith("f03.xml"))).one()
        assert bad.last_status == "internal_error" and "disk on fire" in bad.last_error


def test_feeds_are_committed_together_and_a_retriever_bug_costs_only_its_own_feed(tmp_path, engine, clock, monkeypatch):
    folder = _folder(tmp_path, 6)
    commits = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    real = file_source.retrieve

    async def buggy(source, **kwargs):
        if source.name.endswith("f04.xml"):
            raise KeyError("a bug")
        return await real(source, **kwargs)

    monkeypatch.setattr(file_source, "retrieve", buggy)
    report = _ingest(engine, clock.now(), folder)
    assert len(commits) <= 2         # the source rows, then one batch (not one commit per feed)
    assert len(report.errors) == 1 and "f04.xml" in report.errors[0] and "KeyError" in report.errors[0]
    with Session(engine) as session:
        assert len(session.scalars(select(Item)).all()) == 5     # f05, after the bug, too
        bad = session.scalars(select(Source).where(Source.name.endswith("f04.xml"))).one()
        assert bad.last_status == "internal_error" and "a bug" in bad.last_error


def test_the_statistics_of_events_grown_by_several_feeds_of_a_batch_count_every_item(tmp_path, engine, clock):
    folder = tmp_path / "feeds"
    folder.mkdir()
    story = "太原市小店区明日停水十二小时，居民提前储水"
    for n, site in enumerate(["新浪", "网易", "搜狐"]):
        (folder / f"f{n}.xml").write_bytes(FakeFeed(site).item(n, title=f"{story} - {site}", guid=f"{site}-1").rss())
    report = _ingest(engine, clock.now(), folder)
    assert report.new_items == 3 and len(report.events) == 1
    with Session(engine) as session:
        event = session.scalars(select(Event)).one()
        assert (event.item_count, event.source_count, event.needs_judgement) == (3, 3, True)
