"""The JSON API of CONTRACT.md: bearer tokens, cases, acknowledgement, responses, push ingestion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from monitor.polling import sync_sources
from responders.actions import close_case
from responders.models import AuditEntry
from yuqing.tables import ApiToken
from yuqing.web.accounts import revoke_token

from .conftest import make_case


@pytest.fixture
def api(app):
    return TestClient(app, base_url="http://testserver")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method,path", [
    ("get", "/api/cases"), ("get", "/api/cases/1"), ("post", "/api/cases/1/ack"),
    ("post", "/api/cases/1/responses"), ("post", "/api/items"),
])
def test_every_api_call_without_a_token_is_401(api, method, path):
    answer = getattr(api, method)(path)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_wrong_or_revoked_token_is_401(api, users, token_of, engine, clock):
    assert api.get("/api/cases", headers=auth("yq_not-a-token")).status_code == 401
    token = token_of("officer")
    assert api.get("/api/cases", headers=auth(token)).status_code == 200
    with Session(engine) as s:
        row = s.exec(select(ApiToken)).one()
        revoke_token(s, clock.now(), token_id=row.id)
        s.commit()
    assert api.get("/api/cases", headers=auth(token)).status_code == 401


def test_a_session_cookie_does_not_open_the_api(api, users, browser):
    b = browser("admin")
    assert b.get("/api/cases").status_code == 401


def test_tokens_are_stored_only_as_sha256(users, token_of, engine):
    token = token_of("officer")
    with Session(engine) as s:
        row = s.exec(select(ApiToken)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_the_openapi_document_needs_no_token_and_lists_the_modes(api):
    doc = api.get("/api/openapi.json").json()
    assert set(doc["paths"]) >= {"/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/ack",
                                 "/api/cases/{case_id}/responses", "/api/items"}
    modes = doc["components"]["schemas"]["ResponseMode"]
    assert "press_conference" in modes["enum"] and "新闻发布会" in modes["description"]


def test_listing_cases_by_status(api, runtime, users, token_of):
    token = token_of("officer")
    open_id = make_case(runtime, title="未结")
    closed_id = make_case(runtime, title="已结")
    api.post(f"/api/cases/{closed_id}/responses", headers=auth(token), json={"clock": "first_release", "mode": "other"})
    with Session(runtime.engine) as s:
        close_case(s, runtime.clock.now(), case_id=closed_id, result_url=None, actor="t")
    ids = lambda status: [c["id"] for c in api.get(f"/api/cases?status={status}", headers=auth(token)).json()]
    assert ids("open") == [open_id] and ids("closed") == [closed_id] and ids("all") == [open_id, closed_id]
    assert api.get("/api/cases?status=bogus", headers=auth(token)).status_code == 422


def test_a_case_in_json_has_clocks_with_deadlines_and_state(api, runtime, users, token_of, clock):
    case_id = make_case(runtime)
    clock.advance(timedelta(hours=4, minutes=10))
    body = api.get(f"/api/cases/{case_id}", headers=auth(token_of("officer"))).json()
    assert body["severity"] == "major_emergency" and body["first_body"] == "晋中市太谷区应急管理局"
    kinds = {c["kind"]: c for c in body["clocks"]}
    assert kinds["first_release"]["state"] == "soon" and kinds["press_conference"]["state"] == "on_time"
    assert body["state"] == "soon" and body["next_due_at"] == kinds["first_release"]["due_at"]
    assert body["responsible"]["rule"] == "single_locality"
    assert body["audit"][0]["action"] == "open_case"


def test_acknowledging_through_the_api_records_the_token_user(api, runtime, users, token_of, engine):
    case_id = make_case(runtime)
    answer = api.post(f"/api/cases/{case_id}/ack", headers=auth(token_of("officer")))
    assert answer.status_code == 200 and answer.json()["acknowledged_by"] == "officer"


def test_confirming_a_response_through_the_api_stops_the_clock(api, runtime, users, token_of, engine, clock):
    case_id = make_case(runtime)
    token = token_of("officer")
    clock.advance(timedelta(hours=1))
    answer = api.post(f"/api/cases/{case_id}/responses", headers=auth(token), json={
        "clock": "first_release", "mode": "发布权威信息", "at": "2026-11-20T09:40:00+08:00",
        "url": "https://www.sxtg.gov.cn/n", "note": "通报"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["mode"] == "authoritative_info" and answer.json()["mode_label"] == "发布权威信息"
    case = api.get(f"/api/cases/{case_id}", headers=auth(token)).json()
    assert {c["kind"]: c["status"] for c in case["clocks"]}["first_release"] == "met"
    again = api.post(f"/api/cases/{case_id}/responses", headers=auth(token), json={"clock": "first_release", "mode": "other"})
    assert again.status_code == 409 and "已确认回应" in again.json()["detail"]


@pytest.mark.parametrize("body", [
    pytest.param({"clock": "first_release", "mode": "telepathy"}, id="unknown-mode"),
    pytest.param({"clock": "lunch", "mode": "other"}, id="unknown-clock"),
    pytest.param({"clock": "first_release", "mode": "other", "at": "2026-11-20T09:40:00"}, id="naive-time"),
    pytest.param({"clock": "first_release", "mode": "other", "url": "javascript:alert(1)"}, id="js-url"),
    pytest.param({"clock": "first_release", "mode": "other", "extra": 1}, id="unknown-field"),
])
def test_a_malformed_response_is_422(api, runtime, users, token_of, body):
    case_id = make_case(runtime)
    assert api.post(f"/api/cases/{case_id}/responses", headers=auth(token_of("officer")), json=body).status_code == 422


def test_a_response_in_the_future_is_409(api, runtime, users, token_of):
    case_id = make_case(runtime)
    answer = api.post(f"/api/cases/{case_id}/responses", headers=auth(token_of("officer")),
                      json={"clock": "first_release", "mode": "other", "at": "2030-01-01T00:00:00+08:00"})
    assert answer.status_code == 409


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin", "liaison"])
def test_each_role_acknowledges_and_confirms_its_cases_through_the_api(api, runtime, users, token_of, engine, role):
    case_id = make_case(runtime)
    token = token_of(role)
    assert api.post(f"/api/cases/{case_id}/ack", headers=auth(token)).status_code == 200
    assert api.post(f"/api/cases/{case_id}/responses", headers=auth(token),
                    json={"clock": "first_release", "mode": "other"}).status_code == 201
    with Session(engine) as s:
        actors = {a.actor for a in s.exec(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                                   AuditEntry.action != "open_case"))}
    assert actors == {role}


def test_a_liaison_token_sees_only_its_bodys_cases(api, runtime, users, token_of):
    own = make_case(runtime)
    other = make_case(runtime, localities=("山西省太原市小店区",), sectors=("education",))
    token = token_of("liaison")
    assert [c["id"] for c in api.get("/api/cases", headers=auth(token)).json()] == [own]
    assert api.get(f"/api/cases/{other}", headers=auth(token)).status_code == 404
    assert api.post(f"/api/cases/{other}/ack", headers=auth(token)).status_code == 404
    assert api.post(f"/api/cases/{other}/responses", headers=auth(token),
                    json={"clock": "first_release", "mode": "other"}).status_code == 404


def test_an_unknown_case_is_404(api, users, token_of):
    token = token_of("officer")
    assert api.get("/api/cases/424242", headers=auth(token)).status_code == 404
    assert api.post("/api/cases/424242/ack", headers=auth(token)).status_code == 404


@pytest.fixture
def push_source(runtime, engine, clock):
    with Session(engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        s.commit()


def test_pushing_items_stores_good_records_and_reports_bad_ones(api, users, token_of, push_source):
    records = [
        {"id": "p1", "title": "太谷区某小区停水三天", "text": "太谷区某小区停水三天无人管", "source": "微博"},
        {"id": "p2", "text": 42},
        {"id": "p3", "title": "t", "text": "x", "published": "yesterday"},
    ]
    answer = api.post("/api/items", headers=auth(token_of("officer")), json=records)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["received"] == 3 and body["accepted"] == 1
    assert sorted(r["index"] for r in body["rejected"]) == [1, 2]


def test_pushing_one_record_alone_works(api, users, token_of, push_source):
    answer = api.post("/api/items", headers=auth(token_of("officer")), json={"id": "solo", "text": "太原市停暖"})
    assert answer.status_code == 200 and answer.json()["accepted"] == 1


def test_pushing_to_an_unknown_source_is_409(api, users, token_of, push_source):
    answer = api.post("/api/items?source=nope", headers=auth(token_of("officer")), json={"id": "a", "text": "b"})
    assert answer.status_code == 409


def test_a_liaison_token_cannot_push(api, users, token_of, push_source):
    assert api.post("/api/items", headers=auth(token_of("liaison")), json={"id": "a", "text": "b"}).status_code == 403


def test_a_body_that_is_not_a_record_is_400(api, users, token_of, push_source):
    assert api.post("/api/items", headers=auth(token_of("officer")), json="text").status_code == 400


def test_nul_characters_and_lone_surrogates_are_cleaned_not_a_server_error(api, runtime, users, token_of,
                                                                          push_source, engine):
    token = token_of("officer")
    body = '[{"id": "n\\u0000ul", "title": "\\ud83d", "text": "停水\\u0000三天"}]'
    answer = api.post("/api/items", headers={**auth(token), "Content-Type": "application/json"}, content=body)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    case_id = make_case(runtime)
    answer = api.post(f"/api/cases/{case_id}/responses", headers={**auth(token), "Content-Type": "application/json"},
                      content='{"clock": "first_release", "mode": "other", "note": "a\\u0000b\\udc00"}')
    assert answer.status_code == 201 and answer.json()["note"] == "ab\ufffd"
    assert api.post("/api/items?source=x%00y", headers=auth(token), json={"id": "a", "text": "b"}).status_code == 409


def test_a_case_in_json_shows_the_delivery_state_of_its_messages(api, runtime, users, token_of, engine, clock):
    from alerts.models import DeliveryAttempt, Notification

    case_id = make_case(runtime)
    now = clock.now()
    with Session(engine) as session:
        note = Notification(key=f"{case_id}:1:opened:liaison:mail", case_id=case_id, kind="opened", channel="mail",
                            channel_kind="email", recipient="联络人", status="retry", created_at=now,
                            next_attempt_at=now + timedelta(minutes=1), attempts=1, last_error="451 try later")
        session.add(note)
        session.flush()
        session.add(DeliveryAttempt(notification_id=note.id, at=now, ok=False, answer="451 try later",
                                    error="451 try later"))
        session.commit()
    body = api.get(f"/api/cases/{case_id}", headers=auth(token_of("officer"))).json()
    mine = [n for n in body["notifications"] if n["channel"] == "mail"]
    assert len(mine) == 1 and mine[0]["status"] == "retry" and mine[0]["status_label"] == "等待重试"
    assert mine[0]["history"][0]["answer"] == "451 try later"
