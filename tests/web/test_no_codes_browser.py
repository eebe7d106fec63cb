"""Issue 15.6: what officers read has no internal codes, English words or raw data.

A drill deployment with cases in several states (a major emergency answered by an
officer, a 待研判 case reassigned, a regraded case, a general case) and the messages
they caused in the 演练消息 outbox; headless Chromium renders the dashboard, a case
page and the outbox, and the rendered text (what a screenshot shows) is scanned for
every code of the vocabularies, JSON and UTC timestamps. The outbox, with a message
opened, must not be wider than the window.
"""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter
from sqlmodel import Session, select

from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import Notification
from alerts.render import Renderer
from alerts.routing import RoutingContext, expand_clock_events
from monitor.polling import sync_sources
from responders.firing import fire_due_steps
from responders.vocabulary import CRITERIA, RESPONSE_MODES, RULES, SECTORS, SEVERITIES, SOURCE_KINDS
from yuqing.demo.config import DemoConfig
from yuqing.demo.outbox import Outbox
from yuqing.web.labels import CASE_STATUSES, CLOCK_KINDS, CLOCK_STATUSES, NOTIFICATION_STATUSES, STEP_KINDS

from .conftest import Browser, make_case
from .test_browser import page, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

CODES = sorted({*SEVERITIES, *CRITERIA, *RULES, *SECTORS, *SOURCE_KINDS, *RESPONSE_MODES, *CLOCK_KINDS,
                *CLOCK_STATUSES, *CASE_STATUSES, *STEP_KINDS, *NOTIFICATION_STATUSES, "webhook", "dingtalk", "feishu",
                "wecom", "RULES.md", "ORG.md", "CONTRACT.md"} - {"other"}, key=len, reverse=True)
CODE = re.compile(r"(?<![A-Za-z_])(" + "|".join(re.escape(c) for c in CODES) + r")(?![A-Za-z_])", re.I)
# Any other English word: what is left after links and the signed-in user's name are taken out.
LINK = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|(?<![\w.])/[\w./?=&-]+")
WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED_WORDS = {"officer"}          # the test user's account name
RAW = [re.compile(r'\{\s*"'), re.compile(r'"\s*:\s*[\["{\d]'), re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d"),
       re.compile(r"\+00:00"), re.compile(r"\d+ days?, \d+:\d\d")]
HOOKS = [{"name": "指挥平台", "kind": "webhook", "url": "http://127.0.0.1:9/webhook", "bodies": ["*"]},
         {"name": "值班邮箱", "kind": "email", "host": "127.0.0.1", "port": 9, "security": "none",
          "sender": "值班 <zhiban@example.org>", "to": ["zhiban@example.org"]}]


@pytest.fixture
def web_config(example_config, tmp_path):
    return example_config.model_copy(update={"state_dir": str(tmp_path / "state"), "drill": True,
                                             "demo": DemoConfig(outbox="outbox.jsonl", scenario="山西综合演练")})


def problems(text: str) -> list[str]:
    bare = LINK.sub(" ", text)          # links (evidence, sources' addresses) are data, not words
    found = [f"code {m.group(1)!r} in …{bare[max(m.start() - 30, 0):m.end() + 30]}…" for m in CODE.finditer(bare)]
    found += [f"English {m.group(0)!r} in …{bare[max(m.start() - 30, 0):m.end() + 30]}…" for m in WORD.finditer(bare)
              if m.group(0) not in ALLOWED_WORDS and not CODE.fullmatch(m.group(0))]
    for pattern in RAW:
        found += [f"raw data {m.group(0)!r} in …{text[max(m.start() - 40, 0):m.end() + 40]}…"
                  for m in pattern.finditer(text)]
    return found


def deliver(runtime, clock) -> None:
    """Fire what is due, route it to the two channels and put every message into the demo outbox."""
    ctx = RoutingContext(alerts=AlertsConfig(), channels=tuple(TypeAdapter(list[ChannelConfig]).validate_python(HOOKS)),
                         renderer=Renderer(None), base_url="http://127.0.0.1:8080", drill=True)
    outbox = Outbox(runtime.config.state_path() / "outbox.jsonl", now=clock.now)
    with Session(runtime.engine) as s:
        fire_due_steps(s, clock.now(), directory=runtime.directory, config=runtime.config.clocks)
        s.commit()
        expand_clock_events(s, clock.now(), ctx)
        for n in s.exec(select(Notification).where(Notification.status == "pending")):
            outbox.record(channel=n.channel_kind, to=[n.address or n.recipient or n.channel], subject=n.subject,
                          body=n.body, case_hint=str(n.case_id), kind_hint=n.kind)
            n.status = "sent"
            s.add(n)
        s.commit()


def story(runtime, app, clock) -> int:
    """Open and work cases the way an officer does; return the id of the busiest case."""
    from datetime import timedelta

    major = make_case(runtime, title="乡宁县某煤矿发生瓦斯爆炸 10人遇难", localities=("山西省临汾市乡宁县",))
    triage = make_case(runtime, title="某地网传自来水厂被投毒", sectors=(), criteria=("rumor",), severity="general")
    general = make_case(runtime, title="介休市某工地拖欠农民工工资", localities=("山西省晋中市介休市",), sectors=("hrss",),
                        criteria=("public_interest",), severity="general")
    deliver(runtime, clock)
    b = Browser(app)
    assert b.login("officer").status_code == 303
    b.get(f"/cases/{major}")
    b.post(f"/cases/{major}/ack", {})
    clock.advance(timedelta(hours=6))          # the 5 h clock runs out
    deliver(runtime, clock)
    b.post(f"/cases/{major}/responses", {"clock_kind": "first_release", "mode": "authoritative_info",
                                         "url": "https://www.xiangning.gov.cn/tz/1", "note": "县政府发布通报"})
    b.post(f"/cases/{major}/reassign", {"locality": "山西省临汾市", "sector": "emergency", "how": "co_responder",
                                        "reason": "市应急管理局参与处置"})
    b.post(f"/cases/{triage}/reassign", {"locality": "山西省大同市云州区", "sector": "water", "how": "reassign",
                                         "reason": "核实为云州区供水"})
    b.post(f"/cases/{general}/severity", {"severity": "major_emergency", "reason": "事态升级"})
    b.post(f"/cases/{triage}/rumor", {"evidence": "https://weibo.example/1", "note": "造谣传谣"})
    deliver(runtime, clock)
    return major


def sign_in(page) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_dashboard_case_page_and_outbox_show_no_codes_or_raw_data(runtime, app, users, clock, page):  # noqa: F811
    major = story(runtime, app, clock)
    sign_in(page)
    found = {"dashboard": problems(page.inner_text("body"))}
    page.goto(f"/cases/{major}")
    found["case"] = problems(page.inner_text("body"))
    with Session(runtime.engine) as s:
        sync_sources(s, clock.now(), runtime.config.sources, base_dir=runtime.config.base_dir)
        s.commit()
    page.goto("/sources")
    found["sources"] = problems(page.inner_text("body"))
    for extra in ("/rota", "/reports?period=today", "/cases/new"):
        page.goto(extra)
        found[extra] = problems(page.inner_text("body"))
    page.goto("/demo/outbox")
    page.set_viewport_size({"width": 1280, "height": 900})
    for details in page.locator("details").all()[:5]:
        details.evaluate("d => d.open = true")
    found["outbox"] = problems(page.inner_text("body"))
    assert "【已回应】" in page.inner_text("body")
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {p}" for k, v in bad.items() for p in v)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the outbox is {width}px wide with messages open"
