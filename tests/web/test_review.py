"""The 待研判 queue in the API and the pages (issue 14): listed with its state, confirmed or dismissed by an officer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from monitor.assessment import Assessment
from monitor.judgement import Judge
from monitor.models import Event, Judgement
from monitor.polling import sync_sources
from responders.cases import open_cases_for_judged
from responders.labels import JudgementLabel
from responders.models import Case, Clock

from .conftest import make_case

TAIGU = "山西省晋中市太谷区"


class UnsureJudge(Judge):
    """The one test double: the shipped rules, except that every priority verdict comes back 待研判."""

    def assess(self, item, now=None):
        a = super().assess(item, now)
        if not a.priority:
            return a
        return replace(a, priority=False, severity=None, review=True, confidence=0.62, provisional_severity=a.severity)


def make_review_case(runtime, *, title="太谷区某化工厂爆炸", provisional="general", seen_ago=timedelta(hours=1)) -> int:
    now = runtime.clock.now()
    assessment = Assessment(priority=False, review=True, confidence=0.6, provisional_severity=provisional,
                            criteria=("emergency_disaster",), localities=(TAIGU,), sectors=("emergency",),
                            in_jurisdiction=True, rationale=("研判把握不足（测试）",))
    with Session(runtime.engine) as s:
        event = Event(title=title, first_seen_at=now - seen_ago, last_seen_at=now)
        s.add(event)
        s.flush()
        (case,) = open_cases_for_judged(s, now, [(event, assessment)], directory=runtime.directory,
                                        config=runtime.config.clocks)
        s.commit()
        return case.id


@pytest.fixture
def api(app):
    return TestClient(app, base_url="http://testserver")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def labels(engine) -> list[JudgementLabel]:
    with Session(engine) as s:
        return list(s.exec(select(JudgementLabel).order_by(JudgementLabel.id)))


def test_a_pushed_item_the_judge_is_unsure_of_opens_a_review_case_listed_with_its_state(api, runtime, users, token_of,
                                                                                       engine, clock):
    runtime._judge = UnsureJudge.from_config(runtime.config.judgement, runtime.config.directory.jurisdiction,
                                             base_dir=runtime.config.base_dir)
    with Session(engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        s.commit()
    token = token_of("officer")
    record = {"id": "r1", "title": "太谷区一化工厂发生爆炸致12人死亡",
              "text": "11月20日8时许，晋中市太谷区一化工厂发生爆炸事故，造成12人死亡、5人受伤，事故原因正在调查。"}
    answer = api.post("/api/items", headers=auth(token), json=record)
    assert answer.status_code == 200 and answer.json()["cases"] == 1, answer.text
    (listed,) = api.get("/api/cases?status=review", headers=auth(token)).json()
    assert listed["status"] == "review" and listed["state"] == "review"
    assert listed["severity"] == "major_emergency"
    assert {c["kind"]: c["status"] for c in listed["clocks"]} == {"first_release": "provisional",
                                                                 "press_conference": "provisional"}
    assert listed["next_due_at"] is not None
    assert api.get("/api/cases", headers=auth(token)).json() == []            # not an open priority case
    assert [c["id"] for c in api.get("/api/cases?status=all", headers=auth(token)).json()] == [listed["id"]]
    with Session(engine) as s:
        (judgement,) = s.exec(select(Judgement)).all()
        assert judgement.priority is False and judgement.record["review"] is True
        assert judgement.record["confidence"] == 0.62 and judgement.record["severity"] is None


def test_the_api_confirms_a_review_case_and_its_clocks_keep_their_start(api, runtime, users, token_of, engine, clock):
    case_id = make_review_case(runtime, seen_ago=timedelta(hours=3))
    clock.advance(timedelta(minutes=30))
    token = token_of("officer")
    answer = api.post(f"/api/cases/{case_id}/confirm", headers=auth(token), json={})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "open" and body["state"] == "on_time"
    (c,) = body["clocks"]
    assert c["status"] == "running"
    with Session(engine) as s:
        clock_row = s.exec(select(Clock).where(Clock.case_id == case_id)).one()
        event = s.get(Event, s.get(Case, case_id).event_id)
        assert clock_row.started_at == event.first_seen_at
    assert [c["id"] for c in api.get("/api/cases", headers=auth(token)).json()] == [case_id]
    again = api.post(f"/api/cases/{case_id}/confirm", headers=auth(token), json={})
    assert again.status_code == 409 and "不在待研判" in again.json()["detail"]
    (label,) = labels(engine)
    assert (label.decision, label.priority, label.actor) == ("confirm", True, "officer")


def test_the_api_confirms_with_a_chosen_severity(api, runtime, users, token_of):
    case_id = make_review_case(runtime)
    answer = api.post(f"/api/cases/{case_id}/confirm", headers=auth(token_of("officer")),
                      json={"severity": "major_emergency"})
    assert answer.status_code == 200
    kinds = {c["kind"]: c["status"] for c in answer.json()["clocks"]}
    assert kinds == {"response": "replaced", "first_release": "running", "press_conference": "running"}
    bad = api.post(f"/api/cases/{case_id}/confirm", headers=auth(token_of("officer")), json={"severity": "huge"})
    assert bad.status_code == 422


def test_the_api_dismisses_a_review_case_only_with_a_reason(api, runtime, users, token_of, engine):
    case_id = make_review_case(runtime)
    token = token_of("officer")
    assert api.post(f"/api/cases/{case_id}/dismiss", headers=auth(token), json={}).status_code == 422
    assert api.post(f"/api/cases/{case_id}/dismiss", headers=auth(token), json={"reason": ""}).status_code == 422
    answer = api.post(f"/api/cases/{case_id}/dismiss", headers=auth(token), json={"reason": "系外省旧闻"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "dismissed" and {c["status"] for c in body["clocks"]} == {"stopped"}
    assert [c["id"] for c in api.get("/api/cases?status=closed", headers=auth(token)).json()] == [case_id]
    (label,) = labels(engine)
    assert (label.decision, label.priority, label.reason) == ("dismiss", False, "系外省旧闻")


def test_dismissing_an_open_priority_case_through_the_api_needs_a_supervisor(api, runtime, users, token_of, engine):
    case_id = make_case(runtime)
    assert api.post(f"/api/cases/{case_id}/dismiss", headers=auth(token_of("officer")),
                    json={"reason": "误报"}).status_code == 403
    answer = api.post(f"/api/cases/{case_id}/dismiss", headers=auth(token_of("supervisor")), json={"reason": "误报"})
    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"
    assert [(x.decision, x.priority) for x in labels(engine)] == [("dismiss", False)]
    assert api.post(f"/api/cases/{case_id}/confirm", headers=auth(token_of("supervisor"))).status_code == 409


def test_a_liaison_sees_no_review_case(api, runtime, users, token_of):
    case_id = make_review_case(runtime)
    token = token_of("liaison")
    assert api.get("/api/cases?status=review", headers=auth(token)).json() == []
    assert api.get(f"/api/cases/{case_id}", headers=auth(token)).status_code == 404
    assert api.post(f"/api/cases/{case_id}/confirm", headers=auth(token)).status_code == 404


def test_the_dashboard_shows_the_queue_and_the_case_page_confirms(browser, runtime, users, engine):
    case_id = make_review_case(runtime, title="太谷区某小区燃气泄漏疑有人员被困", provisional="major_emergency")
    b = browser("officer")
    home = b.get("/").text
    assert "待研判" in home and f'data-review-case="{case_id}"' in home and "太谷区某小区燃气泄漏疑有人员被困" in home
    page = b.get(f"/cases/{case_id}").text
    assert "确认为重点舆情" in page and "排除（非重点舆情）" in page and "暂定时限自首次监测发现时起算" in page
    assert "不能再操作" not in page and 'class="countdown"' in page       # the provisional clocks count down
    refused = b.post(f"/cases/{case_id}/review/dismiss", {"reason": "  "})
    assert refused.status_code == 303
    assert "请填写排除理由" in b.get(refused.headers["location"]).text
    done = b.post(f"/cases/{case_id}/review/confirm", {"severity": "major_emergency"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}"
    assert "已确认为重点舆情" in b.get(f"/cases/{case_id}").text
    assert f'data-review-case="{case_id}"' not in b.get("/").text
    assert [x.decision for x in labels(engine)] == ["confirm"]


def test_the_review_forms_need_the_csrf_token(browser, runtime, users):
    case_id = make_review_case(runtime)
    b = browser("officer")
    assert b.post(f"/cases/{case_id}/review/confirm", {}, csrf=False).status_code == 403


def test_a_review_event_judged_again_keeps_one_case_and_is_confirmed_when_the_judge_becomes_sure(
        api, runtime, users, token_of, engine, clock):
    plain = runtime.judge
    runtime._judge = UnsureJudge.from_config(runtime.config.judgement, runtime.config.directory.jurisdiction,
                                             base_dir=runtime.config.base_dir)
    with Session(engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        s.commit()
    token = token_of("officer")
    title = "太谷区一化工厂发生爆炸致12人死亡"
    text = "11月20日8时许，晋中市太谷区一化工厂发生爆炸事故，造成12人死亡、5人受伤，事故原因正在调查。"
    assert api.post("/api/items", headers=auth(token), json={"id": "r1", "title": title, "text": text}).json()["cases"] == 1
    (case,) = api.get("/api/cases?status=review", headers=auth(token)).json()
    first_seen = {c["kind"]: c["started_at"] for c in case["clocks"]}
    clock.advance(timedelta(minutes=40))
    again = api.post("/api/items", headers=auth(token), json={"id": "r2", "title": title, "text": text + "现场救援仍在进行。"})
    assert again.status_code == 200 and again.json()["cases"] == 0, again.text
    assert [c["id"] for c in api.get("/api/cases?status=all", headers=auth(token)).json()] == [case["id"]]
    runtime._judge = plain            # the judge is sure now: the next report confirms the case
    clock.advance(timedelta(minutes=20))
    api.post("/api/items", headers=auth(token), json={"id": "r3", "title": title, "text": text + "省应急管理厅已派工作组。"})
    body = api.get(f"/api/cases/{case['id']}", headers=auth(token)).json()
    assert body["status"] == "open"
    assert {c["kind"]: c["started_at"] for c in body["clocks"] if c["status"] == "running"} == first_seen
    assert labels(engine) == []        # the system's own confirmation is not an officer's label


def test_the_openapi_document_lists_the_review_actions_and_they_need_a_token(api):
    doc = api.get("/api/openapi.json").json()
    assert {"/api/cases/{case_id}/confirm", "/api/cases/{case_id}/dismiss"} <= set(doc["paths"])
    assert api.post("/api/cases/1/confirm").status_code == 401
    assert api.post("/api/cases/1/dismiss", json={"reason": "x"}).status_code == 401
