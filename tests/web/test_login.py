"""Signing in and out: the login page, sessions, throttling, CSRF and the security headers."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from yuqing.runtime import Runtime
from yuqing.tables import User
from yuqing.web import create_app
from yuqing.web.accounts import MAX_FAILURES_PER_USER, THROTTLE_WINDOW, set_password

from .conftest import PASSWORD, Browser, csrf_of


def test_every_page_redirects_to_login_when_signed_out(app, users):
    b = Browser(app)
    for path in ("/", "/cases/1", "/sources", "/rota", "/admin/users", "/cases/new"):
        answer = b.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next="), path


def test_the_list_refresh_answers_401_when_signed_out(app):
    assert Browser(app).get("/cases/rows").status_code == 401


def test_login_page_has_the_contract_fields(app):
    html = Browser(app).get("/login").text
    for field in ('name="username"', 'name="password"', 'name="csrf_token"', 'action="/login"'):
        assert field in html


def test_an_officer_signs_in_and_sees_the_dashboard(app, users, browser):
    b = browser("officer")
    page = b.get("/")
    assert page.status_code == 200
    assert "待办案件" in page.text and "officer 测试" in page.text


def test_sign_in_goes_back_to_the_requested_page_but_never_off_site(app, users):
    b = Browser(app)
    csrf = csrf_of(b.get("/login?next=/sources").text)
    answer = b.post("/login", {"username": "officer", "password": PASSWORD, "next": "/sources", "csrf_token": csrf})
    assert answer.headers["location"] == "/sources"
    b2 = Browser(app)
    csrf = csrf_of(b2.get("/login").text)
    answer = b2.post("/login", {"username": "officer", "password": PASSWORD, "next": "//evil.example/x",
                                "csrf_token": csrf})
    assert answer.headers["location"] == "/"


def test_a_wrong_password_is_refused_with_one_message_for_unknown_users_too(app, users):
    b = Browser(app)
    wrong = b.login("officer", "not the password")
    unknown = b.login("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text
    assert b.get("/").status_code == 303


def test_a_disabled_user_cannot_sign_in_and_loses_the_open_session(app, users, browser, engine):
    b = browser("officer")
    with Session(engine) as s:
        s.get(User, users["officer"].id).disabled = True
        s.commit()
    assert b.get("/").status_code == 303
    assert Browser(app).login("officer").status_code == 401


def test_a_password_change_ends_existing_sessions(app, users, browser, engine):
    b = browser("officer")
    with Session(engine) as s:
        set_password(s, s.get(User, users["officer"].id), "a brand new password")
        s.commit()
    assert b.get("/").status_code == 303


def test_sign_in_is_locked_after_repeated_failures_even_with_the_right_password(app, users, clock):
    b = Browser(app)
    for _ in range(MAX_FAILURES_PER_USER):
        assert b.login("officer", "guess").status_code == 401
    locked = b.login("officer", PASSWORD)
    assert locked.status_code == 429
    assert "尝试次数过多" in locked.text
    clock.advance(THROTTLE_WINDOW + timedelta(seconds=1))
    assert b.login("officer", PASSWORD).status_code == 303


def test_throttling_one_user_does_not_lock_another(app, users):
    b = Browser(app)
    for _ in range(MAX_FAILURES_PER_USER):
        b.login("officer", "guess")
    assert Browser(app).login("supervisor").status_code == 303


def test_login_without_the_csrf_field_is_refused(app, users):
    b = Browser(app)
    b.get("/login")
    answer = b.client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert answer.status_code == 403
    assert b.get("/").status_code == 303


def test_login_with_another_sessions_csrf_token_is_refused(app, users):
    attacker = Browser(app)
    token = csrf_of(attacker.get("/login").text)
    victim = Browser(app)
    victim.get("/login")
    answer = victim.client.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 403


def test_the_session_cookie_is_httponly_samesite_and_not_secure_over_http(app, users):
    answer = Browser(app).login("officer")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_the_session_cookie_is_secure_when_base_url_is_https(web_config, clock, engine, users):
    web = web_config.web.model_copy(update={"base_url": "https://yuqing.example.gov.cn"})
    app = create_app(Runtime(web_config.model_copy(update={"web": web}), clock, engine=engine))
    answer = Browser(app).login("officer")
    assert "; secure" in answer.headers["set-cookie"].lower()
    assert "strict-transport-security" in Browser(app).get("/login").headers


def test_signing_in_replaces_the_csrf_token_of_the_anonymous_session(app, users):
    b = Browser(app)
    before = csrf_of(b.get("/login").text)
    b.post("/login", {"username": "officer", "password": PASSWORD, "csrf_token": before})
    after = csrf_of(b.get("/").text)
    assert after != before


def test_logout_ends_the_session(app, users, browser):
    b = browser("officer")
    assert b.post("/logout").status_code == 303
    assert b.get("/").status_code == 303


def test_pages_carry_the_security_headers(app, users, browser):
    headers = browser("officer").get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_static_assets_are_served_locally(app):
    b = Browser(app)
    assert b.get("/static/app.js").status_code == 200
    assert b.get("/static/app.css").status_code == 200
    html = b.get("/login").text
    assert "http://" not in html.replace('http://testserver', '') and "https://" not in html


def test_a_nul_character_in_the_user_name_is_a_refusal_not_a_server_error(app, users):
    assert Browser(app).login("off\x00icer", "x").status_code == 401
