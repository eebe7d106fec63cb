"""The officer in a real browser: headless Chromium (Debian package) driven by Playwright against uvicorn on loopback."""

from __future__ import annotations

import re
import threading
import time

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from .conftest import PASSWORD, make_case

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):
    """Serve the app on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    yield f"http://{host}:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=server, locale="zh-CN")
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        yield page
        browser.close()


def test_an_officer_signs_in_sees_a_countdown_tick_confirms_a_response_and_the_clock_stops(runtime, users, page):
    case_id = make_case(runtime, title="太谷区某煤矿发生爆炸事故")

    page.goto("/")
    assert "/login" in page.url
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    row = page.locator(f'tr[data-case="{case_id}"]')
    countdown = row.locator(".countdown")
    first = countdown.inner_text()
    assert first.startswith("剩余")
    page.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[countdown.element_handle(), first], timeout=5000)
    assert countdown.inner_text() != first            # the live countdown ticked

    row.locator("a").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    clock = page.locator('.clock[data-clock="first_release"]')
    assert clock.locator(".countdown").count() == 1
    page.select_option("select[name=clock_kind]", "first_release")
    page.select_option("select[name=mode]", label="发布权威信息")
    page.fill("input[name=url]", "https://www.sxtg.gov.cn/notice")
    page.fill("textarea[name=note]", "区政府发布情况通报")
    page.click("#respond button[type=submit]")
    page.wait_for_url(re.compile(rf"/cases/{case_id}$"))

    assert "已确认回应" in page.locator(".flash").inner_text()
    clock = page.locator('.clock[data-clock="first_release"]')
    assert clock.locator(".countdown").count() == 0    # the clock stopped
    assert "已按时回应" in clock.inner_text()
    assert page.locator('.clock[data-clock="press_conference"] .countdown').count() == 1
    assert page.problems == []                          # no CSP violation, no script error


def test_the_officer_finds_a_review_item_on_the_dashboard_and_dismisses_it_with_a_reason(runtime, users, page, engine):
    from sqlmodel import Session, select

    from responders.labels import JudgementLabel

    from .test_review import make_review_case

    kept = make_review_case(runtime, title="太谷区某中学食堂疑似食物中毒", provisional="major_emergency")
    dropped = make_review_case(runtime, title="太谷区某景区开园公告")
    page.goto("/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    queue = page.locator("#review-queue")
    assert "待研判" in queue.locator("h1").inner_text()
    assert queue.locator(f'tr[data-review-case="{kept}"]').count() == 1
    row = queue.locator(f'tr[data-review-case="{dropped}"]')
    assert row.locator(".countdown").inner_text().startswith("剩余")
    row.locator("a", has_text="研判").click()
    page.wait_for_url(re.compile(rf"/cases/{dropped}#review$"))
    assert "待研判" in page.locator(".meta .status-review").inner_text()
    page.fill("#review-dismiss textarea[name=reason]", "景区商业公告，不涉及政务")
    page.click("#review-dismiss button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert "已排除" in page.locator(".flash").inner_text()
    assert page.locator(f'#review-queue tr[data-review-case="{dropped}"]').count() == 0
    assert page.locator(f'#review-queue tr[data-review-case="{kept}"]').count() == 1
    assert page.problems == []
    with Session(engine) as s:
        (label,) = s.exec(select(JudgementLabel)).all()
    assert (label.case_id, label.decision, label.priority, label.reason) == (dropped, "dismiss", False,
                                                                             "景区商业公告，不涉及政务")
