"""Signing in and out: the login page, sessions, throttling, CSRF and the security headers."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sqlmodel import Session, select

from yuqing.clock import ScaledClock
from yuqing.daemon import server_config
from yuqing.runtime import Runtime
from yuqing.tables import User
from yuqing.web import create_app
from yuqing.web.accounts import FREE_FAILURES, MAX_DELAY, set_password

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


def test_failures_slow_the_guesser_with_growing_waits_but_never_lock_the_user_out(app, users, clock):
    b = Browser(app)
    for _ in range(FREE_FAILURES):
        assert b.login("officer", "guess").status_code == 401
    waits = []
    for _ in range(4):
        answer = b.login("officer", "guess")
        assert answer.status_code == 429 and "尝试次数过多" in answer.text
        waits.append(int(answer.headers["retry-after"]))
        clock.advance(timedelta(seconds=waits[-1]))
        assert b.login("officer", "guess").status_code == 401       # one more guess after the wait
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0], waits
    assert b.login("officer", PASSWORD).status_code == 429              # still waiting: not even checked
    clock.advance(MAX_DELAY)
    assert b.login("officer", PASSWORD).status_code == 303


def test_a_guesser_elsewhere_does_not_slow_the_real_user(app, users, clock):
    guesser = TestClient(app, client=("203.0.113.9", 5000), follow_redirects=False)
    for _ in range(FREE_FAILURES + 5):
        csrf = csrf_of(guesser.get("/login").text)
        guesser.post("/login", data={"username": "officer", "password": "guess", "csrf_token": csrf})
    assert Browser(app).login("officer").status_code == 303


def test_many_users_guessed_from_one_address_do_not_lock_that_address(app, users):
    b = Browser(app)
    for i in range(30):
        b.login(f"nobody{i}", "guess")
    assert Browser(app).login("officer").status_code == 303


def test_throttling_one_user_does_not_lock_another(app, users):
    b = Browser(app)
    for _ in range(FREE_FAILURES + 2):
        b.login("officer", "guess")
    assert Browser(app).login("supervisor").status_code == 303


def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_allowed(app, users):
    def guess(_):
        client = TestClient(app, follow_redirects=False)
        csrf = csrf_of(client.get("/login").text)
        return client.post("/login", data={"username": "officer", "password": "guess", "csrf_token": csrf}).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(guess, range(40)))
    assert codes.count(401) == FREE_FAILURES, codes
    assert codes.count(429) == 40 - FREE_FAILURES


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(web_config, clock, engine, users):
    def guesses(app, forwarded):
        client = TestClient(app, client=("127.0.0.1", 5000), follow_redirects=False)
        codes = []
        for i in range(FREE_FAILURES + 1):
            csrf = csrf_of(client.get("/login").text)
            codes.append(client.post("/login", headers={"X-Forwarded-For": forwarded(i)},
                                     data={"username": "admin", "password": "guess", "csrf_token": csrf}).status_code)
        return codes

    plain = create_app(Runtime(web_config, clock, engine=engine))
    # A fresh forged address per guess does not dodge the wait when no proxy is trusted (the default).
    assert guesses(plain, lambda i: f"198.51.100.{i}")[-1] == 429
    web = web_config.web.model_copy(update={"trusted_proxies": [ipaddress.ip_network("127.0.0.1/32")]})
    proxied = create_app(Runtime(web_config.model_copy(update={"web": web}), clock, engine=engine))
    # Behind a trusted proxy each client is its own address: one client's guesses do not slow another.
    assert guesses(proxied, lambda i: "192.0.2.7")[-1] == 429
    assert guesses(proxied, lambda i: "192.0.2.8, 127.0.0.1")[0] == 401


def test_the_sign_in_wait_runs_on_real_time_not_on_a_drill_clock(web_config, engine, users):
    fast = ScaledClock(3600.0)
    app = create_app(Runtime(web_config, fast, engine=engine))
    b = Browser(app)
    for _ in range(FREE_FAILURES):
        b.login("officer", "guess")
    # At x3600 the drill clock moves an hour per second; the wait (seconds of real time) is still running.
    answer = b.login("officer", PASSWORD)
    assert answer.status_code == 429


def test_the_daemon_does_not_let_uvicorn_trust_forwarded_headers(app, web_config):
    config = server_config(app, web_config.web)
    config.load()
    assert config.proxy_headers is False
    assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)


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


def test_a_saved_cookie_no_longer_acts_after_logout(app, users, browser):
    b = browser("officer")
    saved = dict(b.client.cookies)
    assert b.post("/logout").status_code == 303
    replay = TestClient(app, follow_redirects=False, cookies=saved)
    assert replay.get("/").status_code == 303
    assert replay.post("/logout", data={"csrf_token": b.csrf}).status_code in (303, 403)
    other = browser("officer")          # another session of the same user is not ended
    assert other.get("/").status_code == 200


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


def test_sign_in_attempts_are_kept_for_the_audit_period(app, users, clock, engine):
    from yuqing.tables import LoginAttempt

    def attempts():
        with Session(engine) as s:
            return [a.ok for a in s.exec(select(LoginAttempt).order_by(LoginAttempt.id))]

    Browser(app).login("officer", "guess")
    clock.advance(timedelta(days=100))
    assert Browser(app).login("officer").status_code == 303
    assert attempts() == [False, True]          # 100 days old: still kept (network logs: at least six months)
    clock.advance(timedelta(days=100))
    assert Browser(app).login("officer").status_code == 303
    assert attempts() == [True, True]           # 200 days old: pruned


def test_forgotten_throttle_rows_are_pruned_at_the_next_sign_in(app, users, clock, engine):
    from yuqing.tables import SignInThrottle
    b = Browser(app)
    for i in range(5):
        b.login(f"made-up-{i}", "guess")
    clock.advance(timedelta(days=2))
    assert Browser(app).login("officer").status_code == 303
    with Session(engine) as s:
        assert [t.username for t in s.exec(select(SignInThrottle))] == ["officer"]
