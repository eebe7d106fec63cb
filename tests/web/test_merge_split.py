"""Issue 15.8: a supervisor merges two cases of one story and splits a case holding two; both audited."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from monitor.models import Event, Item, Source
from responders.models import AuditEntry, Case, Clock

from .conftest import make_case


def with_items(runtime, clock, case_id: int, titles: list[str], *, seen) -> list[int]:
    """Give the case an event with one item per title, first seen at `seen`; return the item ids."""
    with Session(runtime.engine) as s:
        source = s.exec(select(Source)).first()
        if source is None:
            source = Source(name="山西新闻网", kind="feed", created_at=clock.now())
            s.add(source)
            s.flush()
        event = Event(title=titles[0], first_seen_at=seen, last_seen_at=seen, priority=True, needs_judgement=False)
        s.add(event)
        s.flush()
        ids = []
        for n, title in enumerate(titles):
            item = Item(source_id=source.id, external_id=f"{case_id}-{n}", event_id=event.id, title=title, text=title,
                        fetched_at=seen + timedelta(minutes=n), content_hash=f"h{case_id}-{n}", published_at=seen)
            s.add(item)
            s.flush()
            ids.append(item.id)
        s.get(Case, case_id).event_id = event.id
        s.commit()
        return ids


def clocks(runtime, case_id):
    with Session(runtime.engine) as s:
        return list(s.exec(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id)))


def test_merging_keeps_every_item_and_the_earliest_clock_start(runtime, users, browser, clock):
    early = make_case(runtime, title="太原电动车新规引热议", severity="general", age=timedelta(hours=3),
                      criteria=("policy_misread",), sectors=("transport",), localities=("山西省太原市",))
    late = make_case(runtime, title="太原要全面禁止电动车了？", severity="general", criteria=("public_interest",),
                     sectors=("transport",), localities=("山西省太原市",))
    with_items(runtime, clock, early, ["太原电动车新规引热议"], seen=clock.now() - timedelta(hours=3))
    with_items(runtime, clock, late, ["太原要全面禁止电动车了？", "群里都在传"], seen=clock.now())
    officer = browser("officer")
    officer.get(f"/cases/{late}")
    assert officer.post(f"/cases/{late}/merge", {"others": str(early), "reason": "同一舆情"}).status_code == 403
    b = browser("supervisor")
    b.get(f"/cases/{late}")
    assert b.post(f"/cases/{late}/merge", {"others": f"#{early}", "reason": "同一舆情：电动车新规"}).status_code == 303
    with Session(runtime.engine) as s:
        target, other = s.get(Case, late), s.get(Case, early)
        assert target.status == "open" and other.status == "merged" and f"#{late}" in other.dismissed_reason
        titles = s.exec(select(Item.title).where(Item.event_id == target.event_id)).all()
        assert sorted(titles) == sorted(["太原电动车新规引热议", "太原要全面禁止电动车了？", "群里都在传"])
        audit = {(a.case_id, a.action) for a in s.exec(select(AuditEntry))}
    assert {(late, "merge_cases"), (early, "merged_into")} <= audit
    live = [c for c in clocks(runtime, late) if c.status == "running"]
    assert live and all(c.started_at == clock.now() - timedelta(hours=3) for c in live)
    assert all(c.status != "running" for c in clocks(runtime, early))
    page = b.get(f"/cases/{late}").text
    assert "并入本案" in page and "同一舆情：电动车新规" in page


def test_splitting_opens_a_case_timed_from_its_own_items(runtime, users, browser, clock):
    case_id = make_case(runtime, title="云州区网传水厂被投毒", severity="general", criteria=("rumor",))
    first, second, other = with_items(runtime, clock, case_id, ["网传水厂被投毒", "超市桶装水遭抢购", "云州区某小区停暖"],
                                      seen=clock.now() - timedelta(hours=2))
    clock.advance(timedelta(hours=1))
    b = browser("supervisor")
    b.get(f"/cases/{case_id}")
    assert b.post(f"/cases/{case_id}/split", {"items": [str(first), str(second), str(other)], "reason": "x"}
                  ).status_code == 303          # all of them: refused with a message
    assert "至少保留一条" in b.get(f"/cases/{case_id}").text
    assert b.post(f"/cases/{case_id}/split", {"items": [str(other)], "reason": "停暖是另一件事"}).status_code == 303
    with Session(runtime.engine) as s:
        new = s.exec(select(Case).where(Case.id != case_id)).one()
        assert new.status == "open" and new.drill is False
        assert s.exec(select(Item.id).where(Item.event_id == new.event_id)).all() == [other]
        started = {c.started_at for c in s.exec(select(Clock).where(Clock.case_id == new.id))}
        actions = {(a.case_id, a.action) for a in s.exec(select(AuditEntry))}
    item_time = clock.now() - timedelta(hours=3) + timedelta(minutes=2)        # the item's own first-seen time
    assert started == {item_time}, started
    assert {(case_id, "split_case"), (new.id, "split_from")} <= actions
