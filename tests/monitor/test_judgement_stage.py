"""The daemon's judgement stage on a real database: events judged once, Judgement rows written."""

from datetime import datetime, timezone

from sqlmodel import select

from monitor.judgement import Judge, JudgementConfig, judge_pending_events
from monitor.models import Event, Item, Judgement, Source

NOW = datetime(2026, 11, 21, 2, tzinfo=timezone.utc)


def _event(session, title, texts, *, views=None):
    source = session.exec(select(Source)).first()
    if source is None:
        source = Source(name="测试源", kind="push", created_at=NOW)
        session.add(source)
        session.flush()
    event = Event(title=title, first_seen_at=NOW, last_seen_at=NOW, needs_judgement=True)
    session.add(event)
    session.flush()
    for i, text in enumerate(texts):
        session.add(Item(source_id=source.id, external_id=f"{event.id}-{i}", event_id=event.id, title=title, text=text,
                         fetched_at=NOW, content_hash=f"{event.id}-{i}", metrics={"views": views} if views else {}))
    session.commit()
    return event


def test_it_judges_pending_events_and_clears_the_flag(session):
    judge = Judge.from_config(None, "山西省")
    major = _event(session, "沁源县一煤矿透水 13名矿工被困", ["长治市沁源县一煤矿井下发生透水，13名矿工被困，正在全力搜救。"])
    sport = _event(session, "山西队主场取胜", ["CBA山西汾酒队主场以102比95战胜对手。"])

    done = judge_pending_events(session, NOW, judge, limit=10)

    assert [e.id for e, _ in done] == [major.id, sport.id]
    session.refresh(major)
    session.refresh(sport)
    assert (major.priority, major.severity, major.judged_at, major.needs_judgement) == (True, "major_emergency", NOW, False)
    assert (sport.priority, sport.severity, sport.needs_judgement) == (False, None, False)
    row = session.exec(select(Judgement).where(Judgement.event_id == major.id)).one()
    assert row.record["localities"] == ["山西省长治市沁源县"]
    assert row.record["criteria"] == ["emergency_disaster"]
    assert row.classifier == judge.classifier
    assert judge_pending_events(session, NOW, judge, limit=10) == []


def test_event_signals_count_as_impact(session):
    judge = Judge.from_config(JudgementConfig(model="none"), "山西省")      # the rules' own impact scoring
    event = _event(session, "太原一小区暖气不热", ["太原市杏花岭区某小区暖气不热，居民反映。"], views=300000)
    (_, assessment), = judge_pending_events(session, NOW, judge, limit=10)
    assert assessment.criteria == ("public_interest",)
    assert any("阅读/播放量300000" in r for r in assessment.rationale)
