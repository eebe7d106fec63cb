"""Every action from the pages, tried by every role: who may, who may not, and what the audit log records.

Rules (yuqing.web.permissions): officers do everything but dismiss and downgrade;
supervisors and admins do everything; a liaison acts like an officer on its own
body's cases, cannot open cases by hand, and gets 404 for other bodies' cases.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from responders.models import AuditEntry, Case

from .conftest import make_case

# action -> (url suffix, form, audit action, severity of the case it is tried on)
ACTIONS = {
    "acknowledge": ("/ack", {}, "acknowledge", "major_emergency"),
    "respond": ("/responses", {"clock_kind": "first_release", "mode": "authoritative_info",
                               "url": "https://www.sxtg.gov.cn/a", "note": "已发布通报"}, "confirm_response", "major_emergency"),
    "reassign": ("/reassign", {"locality": "山西省晋中市太谷区", "sector": "public_security", "how": "co_responder",
                               "reason": "涉及治安"}, "reassign", "major_emergency"),
    "upgrade": ("/severity", {"severity": "major_emergency", "reason": "伤亡扩大"}, "change_severity", "general"),
    "downgrade": ("/severity", {"severity": "general", "reason": "核实为一般事件"}, "change_severity", "major_emergency"),
    "dismiss": ("/dismiss", {"reason": "经核实为演练"}, "dismiss", "major_emergency"),
    "refer_rumor": ("/rumor", {"evidence": "https://weibo.example.com/123", "note": "造谣伤亡人数"}, "refer_rumor",
                    "major_emergency"),
    "close": ("/close", {"result_url": "https://www.sxtg.gov.cn/result"}, "close_case", "major_emergency"),
}

ALLOWED = {
    "officer": set(ACTIONS) - {"downgrade", "dismiss"},
    "supervisor": set(ACTIONS),
    "admin": set(ACTIONS),
    "liaison": set(ACTIONS) - {"downgrade", "dismiss"},
}


def audit_of(engine, case_id: int, action: str) -> list[AuditEntry]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.action == action)))


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_on_each_case_action(runtime, users, browser, engine, role, action):
    suffix, form, audit_action, severity = ACTIONS[action]
    case_id = make_case(runtime, severity=severity)
    before = len(audit_of(engine, case_id, audit_action))
    answer = browser(role).post(f"/cases/{case_id}{suffix}", form)
    after = audit_of(engine, case_id, audit_action)
    if action in ALLOWED[role]:
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].startswith("/")
        assert len(after) == before + 1, "the action was not recorded"
        assert after[-1].actor == role and after[-1].at == runtime.clock.now()
    else:
        assert answer.status_code == 403, answer.text
        assert len(after) == before, "a refused action changed the case"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_liaison_cannot_see_or_touch_another_bodys_case(runtime, users, browser, engine, action):
    suffix, form, audit_action, severity = ACTIONS[action]
    other = make_case(runtime, title="小店区教育舆情", localities=("山西省太原市小店区",), sectors=("education",),
                      criteria=("public_interest",), severity=severity)
    b = browser("liaison")
    assert b.get(f"/cases/{other}").status_code == 404
    assert b.post(f"/cases/{other}{suffix}", form).status_code == 404
    assert audit_of(engine, other, audit_action) == []


def test_a_liaison_sees_only_its_own_bodys_cases_on_the_dashboard(runtime, users, browser):
    own = make_case(runtime, title="太谷区应急事件")
    other = make_case(runtime, title="小店区教育舆情", localities=("山西省太原市小店区",), sectors=("education",))
    html = browser("liaison").get("/").text
    assert f'data-case="{own}"' in html and f'data-case="{other}"' not in html
    html = browser("officer").get("/").text
    assert f'data-case="{own}"' in html and f'data-case="{other}"' in html


MANUAL = {"title": "省政府办公厅交办：某县供暖不热", "text": "群众电话反映", "kind": "superior_order",
          "localities": "山西省晋中市太谷区", "sectors": "housing", "severity": "general"}


@pytest.mark.parametrize("role,allowed", [("officer", True), ("supervisor", True), ("admin", True), ("liaison", False)])
def test_each_role_opening_a_case_by_hand(runtime, users, browser, engine, role, allowed):
    b = browser(role)
    assert b.get("/cases/new").status_code == (200 if allowed else 403)
    answer = b.post("/cases/new", MANUAL)
    with Session(engine) as s:
        cases = list(s.exec(select(Case).where(Case.title == MANUAL["title"])))
    if allowed:
        assert answer.status_code == 303
        assert len(cases) == 1 and cases[0].opened_by == role and "superior_request" in cases[0].criteria
        assert audit_of(engine, cases[0].id, "open_manual_case")[0].actor == role
    else:
        assert answer.status_code == 403 and cases == []


@pytest.mark.parametrize("role,status", [("officer", 403), ("supervisor", 403), ("liaison", 403), ("admin", 200)])
def test_only_admins_reach_user_and_token_management(users, browser, role, status):
    b = browser(role)
    assert b.get("/admin/users").status_code == status
    created = b.post("/admin/users", {"username": f"new-{role}", "password": "long enough pw", "role": "admin"})
    assert created.status_code == (303 if status == 200 else 403)
    issued = b.post("/admin/tokens", {"user_id": str(users["officer"].id), "name": "x"})
    assert issued.status_code == status


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_form_without_its_csrf_token_is_refused(runtime, users, browser, engine, action):
    suffix, form, audit_action, severity = ACTIONS[action]
    case_id = make_case(runtime, severity=severity)
    before = len(audit_of(engine, case_id, audit_action))
    b = browser("admin")
    assert b.post(f"/cases/{case_id}{suffix}", form, csrf=False).status_code == 403
    assert b.post(f"/cases/{case_id}{suffix}", {**form, "csrf_token": "forged"}).status_code == 403
    assert len(audit_of(engine, case_id, audit_action)) == before


def test_admin_forms_without_csrf_are_refused(users, browser):
    b = browser("admin")
    assert b.post("/admin/users", {"username": "x1", "password": "long enough pw", "role": "admin"},
                  csrf=False).status_code == 403
    assert b.post("/cases/new", MANUAL, csrf=False).status_code == 403
    assert b.post("/logout", csrf=False).status_code == 403


def test_the_pages_show_dismiss_and_downgrade_only_to_supervisors(runtime, users, browser):
    case_id = make_case(runtime)
    officer = browser("officer").get(f"/cases/{case_id}").text
    supervisor = browser("supervisor").get(f"/cases/{case_id}").text
    assert 'action="/cases/%d/dismiss"' % case_id not in officer
    assert "降级须由值班负责人操作" in officer
    assert 'action="/cases/%d/dismiss"' % case_id in supervisor


def test_there_is_no_way_to_edit_or_delete_the_audit_log(app, users, browser, runtime):
    case_id = make_case(runtime)
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", set()) or set()
        assert "audit" not in path.lower(), path
        assert not methods & {"PUT", "PATCH", "DELETE"}, path
    b = browser("admin")
    for method in ("put", "patch", "delete"):
        assert getattr(b.client, method)(f"/cases/{case_id}").status_code == 405
        assert getattr(b.client, method)(f"/api/cases/{case_id}").status_code == 405
