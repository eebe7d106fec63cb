"""The dashboard, the case page, the sources and rota pages: what the officer sees, escaped."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from alerts.models import DeliveryAttempt, Notification
from monitor.models import Event, Item, Source
from responders.models import Case

from yuqing.web.queries import PAGE_SIZE

from .conftest import make_case

XSS_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'


def test_the_dashboard_lists_open_cases_nearest_deadline_first(runtime, users, browser):
    later = make_case(runtime, title="四十八小时的一般舆情", severity="general")
    sooner = make_case(runtime, title="五小时的重大突发事件")
    html = browser("officer").get("/").text
    assert html.index("五小时的重大突发事件") < html.index("四十八小时的一般舆情")
    assert f'data-case="{sooner}"' in html and f'data-case="{later}"' in html
    assert "晋中市太谷区应急管理局" in html          # first responsible body
    assert "突发事件、灾害" in html                    # criteria label
    assert 'class="countdown" data-due=' in html


def test_dashboard_rows_are_coloured_by_state(runtime, users, browser, clock):
    overdue = make_case(runtime, title="超时案件", age=timedelta(hours=6))        # 5 h clock passed
    soon = make_case(runtime, title="将到期案件", age=timedelta(hours=4, minutes=30))  # last fifth of 5 h
    fine = make_case(runtime, title="按时案件")
    html = browser("officer").get("/").text
    assert f'class="state-overdue" data-case="{overdue}"' in html
    assert f'class="state-soon" data-case="{soon}"' in html
    assert f'class="state-on_time" data-case="{fine}"' in html


def test_the_list_refresh_returns_only_the_rows(runtime, users, browser):
    make_case(runtime, title="刷新测试")
    answer = browser("officer").get("/cases/rows")
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith("<table>") and "刷新测试" in answer.text
    assert "<html" not in answer.text


def test_the_dashboard_pages_through_many_cases(runtime, users, browser, engine):
    for i in range(PAGE_SIZE + 3):
        make_case(runtime, title=f"批量案件{i:03d}", severity="general")
    b = browser("officer")
    first = b.get("/").text
    assert first.count('data-case="') == PAGE_SIZE and "第 1 / 2 页" in first
    assert b.get("/?page=2").text.count('data-case="') == 3


def test_titles_and_notes_are_escaped_everywhere(runtime, users, browser, engine, clock):
    cid = make_case(runtime, title=XSS_TITLE)
    with Session(engine) as s:
        source = Source(name="<b>源</b>", kind="push", created_at=clock.now())
        event = Event(title=XSS_TITLE, first_seen_at=clock.now(), last_seen_at=clock.now())
        s.add(source), s.add(event)
        s.flush()
        s.add(Item(source_id=source.id, external_id="x1", event_id=event.id, title=XSS_TITLE, text=XSS_TITLE,
                   url="javascript:alert(1)", fetched_at=clock.now(), content_hash="h"))
        case = s.get(Case, cid)
        case.event_id = event.id
        case.rationale = [XSS_TITLE]
        s.add(case)
        s.commit()
    b = browser("officer")
    for path in ("/", f"/cases/{cid}", "/cases/rows"):
        html = b.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path
    case_html = b.get(f"/cases/{cid}").text
    assert "javascript:" not in case_html
    assert "&lt;b&gt;源&lt;/b&gt;" in case_html


def test_the_case_page_shows_items_rationale_trace_clocks_ladder_and_audit(runtime, users, browser, engine, clock):
    cid = make_case(runtime)
    with Session(engine) as s:
        source = Source(name="山西新闻网", kind="feed", created_at=clock.now())
        event = Event(title="e", first_seen_at=clock.now(), last_seen_at=clock.now())
        s.add(source), s.add(event)
        s.flush()
        s.add(Item(source_id=source.id, external_id="a", event_id=event.id, title="太谷区煤矿爆炸", text="正文",
                   url="https://news.example.org/a", fetched_at=clock.now(), content_hash="h",
                   published_at=clock.now()))
        s.get(Case, cid).event_id = event.id
        s.commit()
    html = browser("officer").get(f"/cases/{cid}").text
    assert 'href="https://news.example.org/a"' in html and "山西新闻网" in html
    assert "涉及生产安全事故（测试）" in html                   # rationale
    assert "属地单一地区" in html and "single_locality" not in html          # the rule, in words
    assert "A-2" in html and "〔2016〕138号" in html                        # the trace: rule id and document number
    assert "5 小时内发布权威信息" in html and "24 小时内举行新闻发布会" in html
    assert "立案通知" in html and "step-next" in html         # ladder with its next step
    assert "系统立案：特别重大、重大突发事件" in html and "system" not in html   # audit timeline, as a sentence


def test_the_case_page_shows_notifications_and_their_delivery_state(runtime, users, browser, engine, clock):
    cid = make_case(runtime)
    with Session(engine) as s:
        n = Notification(key=f"{cid}:x", case_id=cid, kind="opened", channel="值班邮箱", channel_kind="email",
                         recipient="联络人（示例）", address="a@example.org", body="b", status="failed",
                         created_at=clock.now(), next_attempt_at=clock.now(), attempts=1,
                         last_error="550 mailbox <unavailable>")
        s.add(n)
        s.flush()
        s.add(DeliveryAttempt(notification_id=n.id, at=clock.now(), ok=False, error="550 mailbox <unavailable>"))
        s.commit()
    html = browser("officer").get(f"/cases/{cid}").text
    assert "值班邮箱" in html and "发送失败" in html and "550 mailbox &lt;unavailable&gt;" in html


def test_an_unknown_case_is_404(users, browser):
    answer = browser("officer").get("/cases/999999")
    assert answer.status_code == 404 and "没有这个案件" in answer.text


def test_the_sources_page_shows_health_and_silence(users, browser, engine, clock):
    with Session(engine) as s:
        s.add(Source(name="坏掉的源", kind="feed", created_at=clock.now(), health="down",
                     last_error="HTTP 503 from news.example.org", consecutive_failures=4,
                     last_success_at=clock.now() - timedelta(hours=3),
                     last_new_item_at=clock.now() - timedelta(hours=5)))
        s.commit()
    html = browser("officer").get("/sources").text
    assert "坏掉的源" in html and "故障" in html and "HTTP 503" in html
    assert "3 小时 0 分前" in html and "5 小时 0 分" in html


def test_the_rota_page_shows_who_is_on_duty_and_the_people_of_a_locality(users, browser):
    b = browser("officer")
    html = b.get("/rota").text
    assert "当前值班" in html and "值班员" in html
    html = b.get("/rota", params={"locality": "山西省晋中市太谷区"}).text
    assert "晋中市太谷区应急管理局" in html and "联络人" in html
    assert "没有这个地区" in b.get("/rota", params={"locality": "火星"}).text
