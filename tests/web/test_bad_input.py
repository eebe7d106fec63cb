"""Bad but authenticated input is a 422 naming the field, never a 500 with a traceback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def api(app):
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("body,field", [
    ({"clock": "first_release", "mode": {}, "at": "2026-11-20T01:00:00Z"}, "mode"),
    ({"clock": "first_release", "mode": [], "at": "2026-11-20T01:00:00Z"}, "mode"),
    ({"clock": {"a": 1}, "mode": "other", "at": "2026-11-20T01:00:00Z"}, "clock"),
    ({"clock": "first_release", "mode": "other", "at": "0001-01-01T00:00:00+08:00"}, "at"),
    ({"clock": "first_release", "mode": "other", "at": "2026-11-20T01:00:00Z", "note": [[[[]]]] }, "note"),
])
def test_a_malformed_response_body_is_422_naming_the_field(api, users, token_of, case_id, body, field):
    answer = api.post(f"/api/cases/{case_id}/responses", json=body,
                      headers={"Authorization": f"Bearer {token_of('officer')}"})
    assert answer.status_code == 422, answer.text
    assert field in answer.text and "Traceback" not in answer.text


def test_a_response_body_nested_800_deep_is_422(api, users, token_of, case_id):
    deep = "[" * 800 + "]" * 800
    body = '{"clock": "first_release", "mode": "other", "at": "2026-11-20T01:00:00Z", "note": ' + deep + "}"
    answer = api.post(f"/api/cases/{case_id}/responses", content=body,
                      headers={"Authorization": f"Bearer {token_of('officer')}", "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text[:300]
    assert "note" in answer.text or "body" in answer.text


def test_a_superscript_digit_as_step_id_is_refused_naming_it(users, browser, case_id):
    b = browser("officer")
    answer = b.post(f"/cases/{case_id}/ack", {"step_id": "²"})
    assert answer.status_code == 303          # back to the case, with the refusal shown (not a 500)
    page = b.get(answer.headers["location"]).text
    assert "提醒编号不对：²" in page


def test_a_year_one_order_time_is_refused_naming_the_field(users, browser):
    b = browser("supervisor")
    answer = b.post("/cases/new", {"title": "上级要求回应的事项", "text": "上级批示要求回应", "kind": "superior_request",
                                   "ordered_at": "0001-01-01T00:00", "localities": "山西省晋中市太谷区",
                                   "severity": "general"})
    assert answer.status_code in (400, 422), answer.text[:300]
    assert "时间" in answer.text


def test_api_ack_with_a_superscript_step_id_is_422(api, users, token_of, case_id):
    answer = api.post(f"/api/cases/{case_id}/ack?step_id=%C2%B2", headers={"Authorization": f"Bearer {token_of('officer')}"})
    assert answer.status_code == 422 and "step_id" in answer.text


