"""A small directory, events and cases for the clock tests (one county, named people, a 3-shift rota)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from monitor.assessment import Assessment
from monitor.models import Event
from responders.assignment import Assignment, BodyRef
from responders.cases import open_case
from responders.config import ClocksConfig, DirectoryConfig
from responders.directory import build_directory, directory_problems
from responders.firing import fire_due_steps
from responders.models import ClockEvent, ClockStep

TAIGU = "山西省晋中市太谷区"
JINZHONG = "山西省晋中市"
PROVINCE = "山西省"


def _person(name, role, locality, **kw):
    return {"name": name, "role": role, "locality": locality, "email": f"{name}@example.org", **kw}


DIRECTORY = {
    "jurisdiction": PROVINCE,
    "divisions": [{"city": "晋中市", "counties": ["太谷区", "榆次区"]}],
    "department_templates": [
        {"sector": "emergency", "names": {"province": "{name}应急管理厅", "city": "{name}应急管理局", "county": "{name}应急管理局"}},
        {"sector": "education", "names": {"province": "{name}教育厅", "city": "{name}教育局", "county": "{name}教育局"}},
    ],
    "coordination_templates": [
        {"role": "government_office", "names": {"province": "{name}人民政府办公厅", "city": "{name}人民政府办公室", "county": "{name}人民政府办公室"}},
    ],
    "people": [
        _person("应急联络人", "liaison", TAIGU, sector="emergency"),
        _person("应急承办人", "handler", TAIGU, sector="emergency"),
        _person("应急局长", "head", TAIGU, sector="emergency"),
        _person("教育联络人", "liaison", TAIGU, sector="education"),
        _person("教育承办人", "handler", TAIGU, sector="education"),
        _person("教育局长", "head", TAIGU, sector="education"),
        _person("副区长甲", "deputy", TAIGU, sectors=["emergency"]),
        _person("副区长乙", "deputy", TAIGU, sectors=["education"]),
        _person("区长", "principal", TAIGU),
        _person("区府办主任", "head", TAIGU, body_role="government_office"),
        _person("区府办联络人", "liaison", TAIGU, body_role="government_office"),
        _person("值班员早", "officer", PROVINCE, body_role="government_office"),
        _person("值班员中", "officer", PROVINCE, body_role="government_office"),
        _person("值班员晚", "officer", PROVINCE, body_role="government_office"),
    ],
    # Asia/Shanghai local time; the fake clock starts at 09:00 local (值班员中).
    "rota": [
        {"officer": "值班员早", "start": "00:00", "end": "08:00"},
        {"officer": "值班员中", "start": "08:00", "end": "16:00"},
        {"officer": "值班员晚", "start": "16:00", "end": "24:00"},
    ],
}


def small_directory():
    config = DirectoryConfig.model_validate(DIRECTORY)
    assert directory_problems(config) == []
    return build_directory(config)


@pytest.fixture(scope="session")
def directory():
    return small_directory()


@pytest.fixture
def clocks_config():
    return ClocksConfig()


def body(sector: str, locality: str = TAIGU) -> BodyRef:
    names = {"emergency": "晋中市太谷区应急管理局", "education": "晋中市太谷区教育局"}
    return BodyRef(names[sector], locality, sector=sector)


def assignment_for(sector: str = "emergency") -> Assignment:
    return Assignment(rule="single_locality", first=(body(sector),),
                      coordinators=(BodyRef("晋中市太谷区人民政府办公室", TAIGU, role="government_office"),),
                      trace=("涉及单一县（区）（国办发〔2016〕61号 一）",))


def assessment(severity: str = "general", *, especially_major: bool = False, sector: str = "emergency",
               **kw) -> Assessment:
    return Assessment(priority=True, criteria=("emergency_disaster",) if severity == "major_emergency" else ("public_interest",),
                      severity=severity, especially_major=especially_major, localities=(TAIGU,), sectors=(sector,), **kw)


def make_event(session, now: datetime, *, title="太谷区某化工厂爆炸", first_seen_at=None, first_published_at=None) -> Event:
    event = Event(title=title, first_seen_at=first_seen_at or now, first_published_at=first_published_at,
                  last_seen_at=now)
    session.add(event)
    session.flush()
    return event


def open_test_case(session, now, *, config, severity="general", especially_major=False, sector="emergency",
                   first_seen_at=None):
    """Open and commit a case of a fresh event; return the case."""
    event = make_event(session, now, first_seen_at=first_seen_at)
    case = open_case(session, now, event=event, assessment=assessment(severity, especially_major=especially_major, sector=sector),
                     assignment=assignment_for(sector), config=config)
    session.commit()
    return case


def fire(session, clock, directory, config, **kw) -> int:
    return fire_due_steps(session, clock.now(), directory=directory, config=config, **kw)


def events(session, case_id=None) -> list[ClockEvent]:
    q = select(ClockEvent).order_by(ClockEvent.id)
    if case_id is not None:
        q = q.where(ClockEvent.case_id == case_id)
    session.expire_all()
    return list(session.exec(q))


def steps(session, case_id) -> list[ClockStep]:
    session.expire_all()
    return list(session.exec(select(ClockStep).where(ClockStep.case_id == case_id).order_by(ClockStep.due_at, ClockStep.id)))


def names(event: ClockEvent) -> set[str]:
    return {r["name"] for r in event.recipients}


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
