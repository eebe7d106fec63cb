"""Issue 15.1: in a drill deployment every path that makes a case, a clock step or a message keeps the drill flag.

Each test runs one path on a `drill = true` deployment and follows it to the outbox:
the case is a drill case, and every message it causes is a drill row marked 【演练】
(which channels that take no drills suppress), never a message that could page real people.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from sqlmodel import Session, select

from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import Notification
from alerts.render import Renderer
from alerts.routing import RoutingContext, expand_clock_events, expand_source_notices
from monitor.models import Source, SourceNotice
from monitor.polling import sync_sources
from responders.firing import fire_due_steps
from responders.models import Case

from .conftest import make_case

HOOK = {"name": "指挥平台", "kind": "webhook", "url": "http://127.0.0.1:9/webhook", "bodies": ["*"]}


@pytest.fixture
def web_config(example_config, tmp_path):
    return example_config.model_copy(update={"state_dir": str(tmp_path / "state"), "drill": True})


def ctx(*, drill: bool = False) -> RoutingContext:
    channels = TypeAdapter(list[ChannelConfig]).validate_python([HOOK])
    return RoutingContext(alerts=AlertsConfig(), channels=tuple(channels), renderer=Renderer(None),
                          base_url="http://127.0.0.1:8080", drill=drill)


def messages(runtime, clock, case_id: int, *, routing: RoutingContext | None = None) -> list[Notification]:
    """Fire what is due and route it (without the deployment-wide drill marking: the case's flag alone)."""
    with Session(runtime.engine) as s:
        fire_due_steps(s, clock.now(), directory=runtime.directory, config=runtime.config.clocks)
        s.commit()
        expand_clock_events(s, clock.now(), routing or ctx())
        rows = s.exec(select(Notification).where(Notification.case_id == case_id)).all()
        for r in rows:
            s.expunge(r)
        return rows


def assert_all_drill(rows: list[Notification], *, kind: str | None = None) -> None:
    chosen = [r for r in rows if kind is None or r.kind == kind]
    assert chosen, f"no {kind or ''} message was queued"
    assert all(r.drill for r in chosen), [(r.kind, r.drill) for r in chosen]
    assert all("【演练】" in r.body for r in chosen), [r.body[:80] for r in chosen]


def test_a_manual_case_opened_during_a_drill_is_a_drill_case(runtime, users, browser, clock):
    b = browser("officer")
    b.get("/cases/new")
    answer = b.post("/cases/new", {"title": "电话报告：太谷区某小区停水", "text": "居民来电", "kind": "phone_tip",
                                   "localities": "山西省晋中市太谷区", "sectors": "housing"})
    assert answer.status_code == 303, answer.text
    case_id = int(answer.headers["location"].rsplit("/", 1)[1])
    with Session(runtime.engine) as s:
        assert s.get(Case, case_id).drill is True
    assert_all_drill(messages(runtime, clock, case_id), kind="opened")


def test_an_item_pushed_during_a_drill_opens_a_drill_case(runtime, users, token_of, clock, app):
    from fastapi.testclient import TestClient

    with Session(runtime.engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        s.commit()
    api = TestClient(app, base_url="http://testserver")
    record = {"id": "drill-1", "title": "晋中市太谷区某煤矿发生瓦斯爆炸 3人遇难",
              "text": "晋中市太谷区某煤矿今日发生瓦斯爆炸事故，造成3人遇难、5人受伤，网民质疑安全监管。", "source": "微博"}
    answer = api.post("/api/items", headers={"Authorization": f"Bearer {token_of('officer')}"}, json=[record])
    assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
    with Session(runtime.engine) as s:
        cases = s.exec(select(Case)).all()
        assert cases and all(c.drill for c in cases)
        case_id = cases[0].id
    assert_all_drill(messages(runtime, clock, case_id), kind="opened")


def test_a_reassignment_of_a_drill_case_sends_a_drill_notice(runtime, users, browser, clock):
    case_id = make_case(runtime, drill=True)
    before = {r.id for r in messages(runtime, clock, case_id)}
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    answer = b.post(f"/cases/{case_id}/reassign", {"locality": "山西省晋中市", "sector": "emergency",
                                                   "how": "co_responder", "reason": "市局协助"})
    assert answer.status_code == 303
    assert_all_drill([r for r in messages(runtime, clock, case_id) if r.id not in before], kind="reassigned")


def test_a_regrade_of_a_drill_case_plans_drill_steps_and_a_drill_notice(runtime, users, browser, clock):
    case_id = make_case(runtime, severity="general", drill=True)
    before = {r.id for r in messages(runtime, clock, case_id)}
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    answer = b.post(f"/cases/{case_id}/severity", {"severity": "major_emergency", "reason": "伤亡人数上升"})
    assert answer.status_code == 303
    notice = [r for r in messages(runtime, clock, case_id) if r.id not in before]
    assert_all_drill(notice)
    assert any("定级" in r.body or "级别" in r.body for r in notice), [r.body[:120] for r in notice]
    seen = before | {r.id for r in notice}
    clock.advance(timedelta(hours=5, minutes=1))      # the new 5 h clock's reminders, leader and overdue steps
    rows = [r for r in messages(runtime, clock, case_id) if r.id not in seen]
    assert {r.kind for r in rows} >= {"reminder", "overdue"}
    assert_all_drill(rows)


def test_every_message_of_a_drill_deployment_is_marked_even_without_a_case(runtime, clock):
    """A source notice has no case to inherit from: the deployment's drill flag marks it."""
    with Session(runtime.engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        source = s.exec(select(Source)).first()
        s.add(SourceNotice(source_id=source.id, kind="down", created_at=clock.now(), detail="连接超时"))
        s.commit()
        assert expand_source_notices(s, clock.now(), ctx(drill=runtime.config.drill), runtime.directory) == 1
        rows = s.exec(select(Notification).where(Notification.kind == "source_down")).all()
    assert rows and all(r.drill for r in rows)
    assert all("【演练】" in r.body for r in rows), [r.body[:80] for r in rows]


def test_the_report_of_a_drill_deployment_counts_its_drill_cases_marked_drill(runtime, users, browser, clock):
    make_case(runtime, drill=True, title="演练：太谷区某煤矿爆炸")
    b = browser("officer")
    page = b.get("/reports?period=today").text
    assert "【演练】" in page and "不作为正式通报" in page
    assert '<option value="1" selected>' in page
    data = b.get("/reports/download?period=today&format=json").json()
    assert data["current"]["cases_opened"] == 1 and data["title"].startswith("【演练】")
    real_only = b.get("/reports/download?period=today&format=json&drills=0").json()
    assert real_only["current"]["cases_opened"] == 0 and not real_only["title"].startswith("【演练】")


def test_a_case_split_from_a_drill_case_is_a_drill_case_and_a_drill_is_never_merged_with_a_real_case(
        runtime, users, browser, clock):
    from .test_merge_split import with_items

    drill_case = make_case(runtime, drill=True, title="演练：网传水厂被投毒")
    real_case = make_case(runtime, drill=False, title="真实案件")
    _, other = with_items(runtime, clock, drill_case, ["网传水厂被投毒", "某小区停暖"], seen=clock.now())
    before = {r.id for r in messages(runtime, clock, drill_case)}
    b = browser("supervisor")
    b.get(f"/cases/{drill_case}")
    assert b.post(f"/cases/{drill_case}/split", {"items": [str(other)], "reason": "另一件事"}).status_code == 303
    with Session(runtime.engine) as s:
        new = s.exec(select(Case).where(Case.id.not_in([drill_case, real_case]))).one()
        assert new.drill is True
    assert_all_drill([r for r in messages(runtime, clock, new.id) if r.id not in before], kind="opened")
    b.post(f"/cases/{drill_case}/merge", {"others": str(real_case), "reason": "同一舆情"})
    assert "演练案件与真实案件不能合并" in b.get(f"/cases/{drill_case}").text
    with Session(runtime.engine) as s:
        assert s.get(Case, real_case).status == "open"
