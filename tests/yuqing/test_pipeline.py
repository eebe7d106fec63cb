"""The stages after ingestion together: reports of one incident make one event and one case, upgraded as it grows.

Items go through the real write path (`monitor.store.store_entries`) and then
`yuqing.pipeline.after_ingest` with the shipped config and directory, on the
fake clock, as the daemon runs them after each poll.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from monitor.config import SchemeConfig
from monitor.entries import RawEntry
from monitor.events import EventIndex
from monitor.models import Event, Item, Source
from monitor.schemes import Matcher
from monitor.store import store_entries
from responders.models import AuditEntry, Case, Clock
from yuqing.pipeline import after_ingest
from yuqing.runtime import Runtime

XIANGNING = "山西省临汾市乡宁县"
MATCHER = Matcher.from_config([
    SchemeConfig(name="安全生产", expression="(临汾|乡宁)+(煤矿|瓦斯|爆炸|事故|遇难|相撞)"),
    SchemeConfig(name="欠薪讨薪", expression="(晋中|介休)+(欠薪|讨薪|拖欠|工资)"),
])


class Desk:
    """Sources, the fake clock and the runtime: `report(site, id, title, text)` ingests one item and runs the stages."""

    def __init__(self, engine, clock, config):
        self.engine, self.clock = engine, clock
        self.runtime = Runtime(config, clock, engine=engine)
        self.window = config.monitor.dedupe_window
        self.sources: dict[str, int] = {}

    def report(self, site: str, external_id: str, title: str, text: str, *, after: timedelta = timedelta(0),
               views: int = 80000) -> dict:
        self.clock.advance(after)
        now = self.clock.now()
        with Session(self.engine) as session:
            if site not in self.sources:
                source = Source(name=site, kind="push", created_at=now)
                session.add(source)
                session.commit()
                self.sources[site] = source.id
            source = session.get(Source, self.sources[site])
            index = EventIndex.load(session, now, self.window)
            store_entries(session, now, source=source, matcher=MATCHER, index=index, entries=[RawEntry(
                external_id=external_id, title=title, content=text, published=now.isoformat(), metrics={"views": views})])
            session.commit()
            return after_ingest(session, now, self.runtime)


@pytest.fixture
def desk(engine, clock, example_config) -> Desk:
    return Desk(engine, clock, example_config)


def _event_of(session, external_id: str) -> int:
    return session.exec(select(Item.event_id).where(Item.external_id == external_id)).one()


def test_reports_of_one_explosion_make_one_event_and_one_case_upgraded_when_the_toll_passes_ten(desk, session):
    hour = timedelta(hours=1)
    first = desk.report("临汾新闻网", "mine-1", "乡宁县一煤矿发生瓦斯爆炸事故 已致3人遇难",
                        "记者从乡宁县应急管理局获悉，乡宁县岭东煤业有限公司井下发生瓦斯爆炸事故，已致3人遇难，另有多人受伤，救援正在进行。")
    assert (first["cases"], first["merged"]) == (1, 0)
    assert session.exec(select(Case.severity)).one() == "general"            # 3 deaths: 48 h (RULES.md S-2)
    second = desk.report("微博", "mine-2", "",
                "#乡宁煤矿瓦斯爆炸#【乡宁一煤矿瓦斯爆炸 遇难人数升至8人】据乡宁县应急管理局消息，岭东煤业事故救援仍在进行。", after=hour)
    assert (second["merged"], second["cases"], second["upgraded"]) == (1, 0, 0)   # 8 deaths: still general
    third = desk.report("山西新闻网", "mine-3", "乡宁煤矿瓦斯爆炸事故遇难人数升至11人",
                        "据乡宁县事故救援指挥部消息，岭东煤业瓦斯爆炸事故已造成11人遇难，救援仍在进行。", after=2 * hour)
    assert (third["merged"], third["cases"], third["upgraded"]) == (1, 0, 1)
    other = desk.report("临汾新闻网", "road-1", "乡宁县发生一起交通事故 货车与面包车相撞造成4人死亡",
                        "记者从乡宁县交警大队获悉，当日一辆货车与面包车在乡宁县城附近相撞，造成4人死亡2人受伤。", after=hour)
    assert (other["cases"], other["merged"]) == (1, 0)                # another accident in the county: its own case
    last = desk.report("微博", "mine-4", "",
                       "乡宁岭东煤矿出事到现在，遇难人数确定为13人，家属要求公开调查结果。#乡宁煤矿瓦斯爆炸#", after=hour)
    assert (last["merged"], last["cases"], last["upgraded"]) == (1, 0, 0)   # already major: nothing to upgrade

    mine = _event_of(session, "mine-1")
    assert {_event_of(session, f"mine-{n}") for n in range(1, 5)} == {mine}
    event = session.get(Event, mine)
    assert (event.item_count, event.source_count, event.severity) == (4, 3, "major_emergency")
    assert len(session.exec(select(Event).where(Event.merged_into_id == mine)).all()) == 3

    cases = session.exec(select(Case).order_by(Case.id)).all()
    assert [(c.event_id, c.severity) for c in cases] == [(mine, "major_emergency"), (_event_of(session, "road-1"), "general")]
    assert all(c.localities == [XIANGNING] for c in cases)
    kinds = session.exec(select(Clock.kind, Clock.status).where(Clock.case_id == cases[0].id).order_by(Clock.id)).all()
    assert kinds == [("response", "replaced"), ("first_release", "running"), ("press_conference", "running")]
    regrade = session.exec(select(AuditEntry).where(AuditEntry.action == "change_severity")).one()
    assert regrade.case_id == cases[0].id and regrade.actor == "system" and "11" in regrade.detail["reason"]


def test_a_wage_dispute_followed_up_the_next_day_stays_one_case(desk, session):
    desk.report("晋中新闻网", "wage-1", "介休一在建项目被曝拖欠40余名农民工工资 当地人社部门：已介入",
                "有网友反映介休市“锦绣华庭”项目拖欠40余名农民工工资近百万元，多次讨薪无果，引发网友热议。")
    follow = desk.report("微博", "wage-2", "",
                         "介休“锦绣华庭”的工钱还是没结！干了快一年，找建筑公司说让找包工头，去劳动监察反映三次都说在协调。#介休欠薪#",
                         after=timedelta(hours=26))
    assert (follow["merged"], follow["cases"]) == (1, 0)
    assert _event_of(session, "wage-1") == _event_of(session, "wage-2")
    assert len(session.exec(select(Case)).all()) == 1
