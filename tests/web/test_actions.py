"""What each action from the pages does to the case, as the officer then sees it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from responders.firing import fire_due_steps
from responders.models import AuditEntry, Case, Clock, ClockStep, Response

from .conftest import make_case


def clocks_of(engine, case_id):
    with Session(engine) as s:
        return {c.kind: c for c in s.exec(select(Clock).where(Clock.case_id == case_id))}


def test_confirming_a_response_stops_its_clock_and_shows_the_mode(runtime, users, browser, engine, clock):
    case_id = make_case(runtime)
    clock.advance(timedelta(hours=2))
    b = browser("officer")
    answer = b.post(f"/cases/{case_id}/responses", {"clock_kind": "first_release", "mode": "press_conference",
                                                    "at": "2026-11-20T10:30", "url": "https://www.sxtg.gov.cn/x",
                                                    "note": "区政府召开发布会"})
    assert answer.status_code == 303
    clocks = clocks_of(engine, case_id)
    assert clocks["first_release"].status == "met" and clocks["press_conference"].status == "running"
    with Session(engine) as s:
        response = s.exec(select(Response).where(Response.case_id == case_id)).one()
    assert response.mode == "press_conference" and response.recorded_by == "officer"
    assert response.at.isoformat() == "2026-11-20T02:30:00+00:00"      # 10:30 Beijing time
    page = b.get(f"/cases/{case_id}").text
    assert "已确认回应" in page and "新闻发布会" in page and "区政府召开发布会" in page
    assert "（press_conference" not in page


def test_a_response_note_with_markup_is_shown_as_text(runtime, users, browser):
    case_id = make_case(runtime)
    b = browser("officer")
    b.post(f"/cases/{case_id}/responses", {"clock_kind": "first_release", "mode": "other",
                                           "note": "<script>alert(1)</script>", "url": "javascript:alert(2)"})
    page = b.get(f"/cases/{case_id}").text
    assert "<script>alert(1)" not in page and "javascript:alert" not in page
    # the javascript: URL was refused as evidence, so nothing was recorded
    assert "证明链接须以 http:// 或 https:// 开头" in page


def test_a_response_for_a_clock_already_met_is_refused_with_a_message(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    form = {"clock_kind": "first_release", "mode": "authoritative_info"}
    assert b.post(f"/cases/{case_id}/responses", form).status_code == 303
    again = b.post(f"/cases/{case_id}/responses", form)
    assert again.status_code == 303
    assert "未执行" in b.get(f"/cases/{case_id}").text
    with Session(engine) as s:
        assert len(s.exec(select(Response).where(Response.case_id == case_id)).all()) == 1


def test_a_response_time_that_is_not_a_time_is_refused(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    b.post(f"/cases/{case_id}/responses", {"clock_kind": "first_release", "mode": "other", "at": "昨天"})
    assert "时间格式不对" in b.get(f"/cases/{case_id}").text
    assert clocks_of(engine, case_id)["first_release"].status == "running"


def test_acknowledging_from_the_dashboard_returns_to_the_dashboard(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    answer = b.post(f"/cases/{case_id}/ack", {"next": "/"})
    assert answer.headers["location"] == "/"
    with Session(engine) as s:
        case = s.get(Case, case_id)
    assert case.acknowledged_by == "officer" and case.acknowledged_at is not None
    assert "确认收到并开始处置" not in b.get(f"/cases/{case_id}").text


def test_dismissing_removes_the_case_from_the_dashboard_and_stops_its_clocks(runtime, users, browser, engine):
    case_id = make_case(runtime, title="被撤销的案件")
    b = browser("supervisor")
    b.post(f"/cases/{case_id}/dismiss", {"reason": "经核实不属实"})
    assert "被撤销的案件" not in b.get("/").text
    assert {c.status for c in clocks_of(engine, case_id).values()} == {"stopped"}
    page = b.get(f"/cases/{case_id}").text
    assert "经核实不属实" in page and "不能再操作" in page


def test_dismissing_without_a_reason_is_refused(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("supervisor")
    b.post(f"/cases/{case_id}/dismiss", {"reason": "  "})
    with Session(engine) as s:
        assert s.get(Case, case_id).status == "open"


def test_reassigning_changes_the_first_body_and_adds_a_trace_line(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    b.post(f"/cases/{case_id}/reassign", {"locality": "山西省晋中市", "sector": "emergency", "how": "reassign",
                                          "reason": "跨县处置，由市局牵头"})
    with Session(engine) as s:
        case = s.get(Case, case_id)
    assert case.first_body == "晋中市应急管理局"
    assert "跨县处置，由市局牵头" in b.get(f"/cases/{case_id}").text


def test_reassigning_to_an_unknown_body_is_refused_with_a_message(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    b.post(f"/cases/{case_id}/reassign", {"locality": "火星", "sector": "emergency", "reason": "x"})
    assert "组织目录中没有" in b.get(f"/cases/{case_id}").text


def test_upgrading_a_general_case_gives_it_the_5_and_24_hour_clocks(runtime, users, browser, engine):
    case_id = make_case(runtime, severity="general")
    browser("officer").post(f"/cases/{case_id}/severity", {"severity": "major_emergency", "reason": "出现伤亡"})
    clocks = clocks_of(engine, case_id)
    assert clocks["response"].status == "replaced"
    assert clocks["first_release"].status == "running" and clocks["press_conference"].status == "running"


def test_removing_especially_major_counts_as_a_downgrade(runtime, users, browser, engine):
    case_id = make_case(runtime)
    browser("supervisor").post(f"/cases/{case_id}/severity", {"severity": "major_emergency", "especially_major": "1",
                                                              "reason": "死亡人数上升"})
    answer = browser("officer").post(f"/cases/{case_id}/severity", {"severity": "major_emergency", "reason": "回落"})
    assert answer.status_code == 403
    with Session(engine) as s:
        assert s.get(Case, case_id).especially_major is True


def test_a_rumour_referral_records_the_evidence(runtime, users, browser, engine):
    case_id = make_case(runtime)
    browser("officer").post(f"/cases/{case_id}/rumor", {"evidence": "https://weibo.example.com/1\nhttps://weibo.example.com/2",
                                                        "note": "编造死亡人数"})
    with Session(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "refer_rumor")).one()
    assert entry.detail["evidence"] == ["https://weibo.example.com/1", "https://weibo.example.com/2"]


def test_closing_records_the_result_link_and_stops_the_clocks(runtime, users, browser, engine):
    case_id = make_case(runtime)
    b = browser("officer")
    b.post(f"/cases/{case_id}/close", {"result_url": "https://www.sxtg.gov.cn/result"})
    with Session(engine) as s:
        case = s.get(Case, case_id)
    assert case.status == "closed" and case.result_url == "https://www.sxtg.gov.cn/result"
    assert 'href="https://www.sxtg.gov.cn/result"' in b.get(f"/cases/{case_id}").text


def test_a_manual_case_with_an_unknown_locality_keeps_the_form_and_explains(users, browser):
    answer = browser("officer").post("/cases/new", {"title": "电话报告", "text": "t", "kind": "phone_tip",
                                                    "localities": "火星市", "severity": "general"})
    assert answer.status_code == 400
    assert "组织目录中没有这些地区" in answer.text and 'value="电话报告"' in answer.text


def test_a_manual_case_follows_the_same_rules(users, browser, engine):
    b = browser("officer")
    answer = b.post("/cases/new", {"title": "群众来电：太谷区自来水污染", "text": "多户反映", "kind": "phone_tip",
                                   "localities": "山西省晋中市太谷区", "sectors": ["water"], "severity": "general"})
    case_id = int(answer.headers["location"].rsplit("/", 1)[-1])
    with Session(engine) as s:
        case = s.get(Case, case_id)
    assert case.first_body == "晋中市太谷区水利局" and case.opened_by == "officer"
    assert set(clocks_of(engine, case_id)) == {"response"}
    assert "多户反映" in b.get(f"/cases/{case_id}").text


def test_a_nul_character_in_a_form_is_dropped_not_a_server_error(runtime, users, browser, engine):
    case_id = make_case(runtime)
    answer = browser("officer").post(f"/cases/{case_id}/rumor", {"evidence": "https://a.example/1\x00", "note": "x\x00y"})
    assert answer.status_code == 303
    with Session(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "refer_rumor")).one()
    assert entry.detail["note"] == "xy"


def test_a_fired_ladder_step_can_be_signed_for_on_its_own(runtime, users, browser, engine, clock):
    case_id = make_case(runtime)
    with Session(engine) as s:
        fire_due_steps(s, clock.now(), directory=runtime.directory, config=runtime.config.clocks)
        s.commit()
        step = s.exec(select(ClockStep).where(ClockStep.case_id == case_id, ClockStep.status == "fired")).first()
    assert step is not None
    b = browser("officer")
    assert 'name="step_id" value="%d"' % step.id in b.get(f"/cases/{case_id}").text
    assert b.post(f"/cases/{case_id}/ack", {"step_id": str(step.id)}).status_code == 303
    with Session(engine) as s:
        assert s.get(ClockStep, step.id).acknowledged_at == clock.now()
    assert "已签收" in b.get(f"/cases/{case_id}").text
