"""Every admin route over HTTP (not the functions behind them): users, passwords, tokens, the audit table."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from responders.models import AuditEntry
from yuqing.tables import ApiToken, User

from .conftest import PASSWORD


def audit_actions(engine) -> list[tuple[str, str]]:
    with Session(engine) as s:
        return [(a.actor, a.action) for a in s.exec(select(AuditEntry).where(AuditEntry.case_id.is_(None))
                                                     .order_by(AuditEntry.id))]


def test_an_admin_creates_a_user_who_can_sign_in(users, browser, engine):
    admin = browser("admin")
    answer = admin.post("/admin/users", {"username": "wang", "password": "long enough pw", "role": "officer",
                                         "display_name": "王五"})
    assert answer.status_code == 303
    assert browser().login("wang", "long enough pw").status_code == 303
    assert ("admin", "user_created") in audit_actions(engine)


def test_disable_enable_and_reset_password_over_http(users, browser, engine, app):
    admin = browser("admin")
    officer = browser("officer")
    uid = users["officer"].id
    assert admin.post(f"/admin/users/{uid}/disable").status_code == 303
    assert officer.get("/").status_code == 303                     # the open session ended
    assert browser().login("officer").status_code == 401
    assert admin.post(f"/admin/users/{uid}/enable").status_code == 303
    assert browser().login("officer").status_code == 303
    assert admin.post(f"/admin/users/{uid}/password", {"password": "a new long password"}).status_code == 303
    assert browser().login("officer", "a new long password").status_code == 303
    assert admin.post(f"/admin/users/{uid}/password", {"password": "short"}).status_code == 400
    assert admin.post("/admin/users/99999/disable").status_code == 404
    assert admin.post("/admin/users/0/disable").status_code == 422
    assert [a for _, a in audit_actions(engine)] == ["user_disabled", "user_enabled", "password_reset"]


def test_a_token_issued_and_revoked_on_the_admin_page_stops_working(users, browser, engine, app):
    admin = browser("admin")
    page = admin.post("/admin/tokens", {"user_id": str(users["officer"].id), "name": "接口"})
    assert page.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1)
    api = TestClient(app)
    assert api.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with Session(engine) as s:
        token_id = s.exec(select(ApiToken.id)).one()
    answer = admin.post(f"/admin/tokens/{token_id}/revoke")
    assert answer.status_code == 303, answer.text
    assert api.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin.post("/admin/tokens/99999/revoke").status_code == 404
    assert [a for _, a in audit_actions(engine)] == ["token_issued", "token_revoked"]


def test_the_admin_page_shows_the_account_audit(users, browser):
    admin = browser("admin")
    admin.post(f"/admin/users/{users['officer'].id}/disable")
    page = admin.get("/admin/users").text
    section = page[page.index('id="account-audit"'):]
    assert "停用用户" in section and "admin" in section and "officer" in section


def test_a_user_named_like_an_automatic_actor_is_refused(users, browser, engine):
    admin = browser("admin")
    for name in ("system", "System", "cli"):
        answer = admin.post("/admin/users", {"username": name, "password": PASSWORD, "role": "officer"})
        assert answer.status_code == 400 and "保留" in answer.text
    with Session(engine) as s:
        assert s.exec(select(User).where(User.username.in_(["system", "System", "cli"]))).first() is None
