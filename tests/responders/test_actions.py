"""Officer actions: each changes the case as documented, notifies through the loop and leaves an audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from responders.actions import (
    acknowledge, change_severity, close_case, confirm_response, dismiss, open_manual_case, reassign, refer_rumor,
)
from responders.config import ClocksConfig
from responders.errors import CaseNotFound, InvalidAction, ResponderError
from responders.models import AuditEntry, Case, Clock, Response

from .clockkit import directory  # noqa: F401  (fixture)
from .clockkit import TAIGU, events, fire, hours, names, open_test_case, steps

CONFIG = ClocksConfig()


def clocks(session, case_id) -> dict[str, list[Clock]]:
    session.expire_all()
    out: dict[str, list[Clock]] = {}
    for c in session.exec(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id)):
        out.setdefault(c.kind, []).append(c)
    return out


def audit(session, case_id) -> list[str]:
    return [a.action for a in session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id))]


def test_confirming_the_5_hour_release_stops_only_that_clock(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG, severity="major_emergency")
    clock.set(t0 + hours(3))
    response = confirm_response(session, clock.now(), case_id=case.id, clock_kind="first_release", mode="权威信息发布",
                                url="https://gov.example.org/notice", actor="值班员中")
    assert isinstance(response, Response) and response.at == clock.now()
    kinds = clocks(session, case.id)
    assert (kinds["first_release"][0].status, kinds["press_conference"][0].status) == ("met", "running")
    fire(session, clock, directory, CONFIG)
    confirmed = [e for e in events(session, case.id) if e.kind == "confirmed"]
    assert len(confirmed) == 1 and confirmed[0].payload["clock_kind"] == "first_release"
    assert "https://gov.example.org/notice" in confirmed[0].payload["note"]
    clock.set(t0 + hours(5))
    fire(session, clock, directory, CONFIG)
    assert not any(e.kind == "overdue" and e.payload["clock_kind"] == "first_release" for e in events(session, case.id))
    assert "confirm_response" in audit(session, case.id)


def test_a_response_after_the_deadline_keeps_the_clock_recorded_overdue(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG)
    clock.set(t0 + hours(50))
    confirm_response(session, clock.now(), case_id=case.id, clock_kind="response", mode="答复网民", actor="a")
    (c,) = clocks(session, case.id)["response"]
    assert c.status == "overdue" and c.stopped_at == clock.now() and "超时" in c.reason


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"clock_kind": "press_conference"}, "没有进行中", id="kind-not-on-case"),
    pytest.param({"mode": " "}, "回应方式", id="no-mode"),
    pytest.param({"at_offset": timedelta(minutes=5)}, "不能晚于", id="future-time"),
])
def test_a_bad_confirmation_is_refused_in_chinese(session, clock, kwargs, message):
    case = open_test_case(session, clock.now(), config=CONFIG)
    args = {"clock_kind": "response", "mode": "发布权威信息", "actor": "a"}
    offset = kwargs.pop("at_offset", None)
    args.update(kwargs)
    if offset:
        args["at"] = clock.now() + offset
    with pytest.raises(InvalidAction, match=message):
        confirm_response(session, clock.now(), case_id=case.id, **args)


def test_confirming_the_same_clock_twice_is_refused(session, clock):
    case = open_test_case(session, clock.now(), config=CONFIG)
    confirm_response(session, clock.now(), case_id=case.id, clock_kind="response", mode="通报", actor="a")
    with pytest.raises(InvalidAction, match="已确认回应"):
        confirm_response(session, clock.now(), case_id=case.id, clock_kind="response", mode="通报", actor="a")


def test_acknowledging_one_step_stops_only_its_repeats(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG, severity="major_emergency")
    fire(session, clock, directory, CONFIG)
    opened = next(s for s in steps(session, case.id) if s.step == "opened")
    acknowledged = acknowledge(session, clock.now(), case_id=case.id, actor="值班员中", step_id=opened.id)
    assert acknowledged.acknowledged_by == "值班员中" and acknowledged.acknowledged_at == t0
    after = steps(session, case.id)
    assert next(s for s in after if s.id == opened.id).acknowledged_at == t0
    assert [s.status for s in after if s.step == "opened" and s.attempt == 1] == ["cancelled"]
    assert all(s.status == "pending" for s in after if s.step in ("reminder", "leader", "overdue"))
    with pytest.raises(InvalidAction, match="不属于"):
        acknowledge(session, clock.now(), case_id=case.id, actor="a", step_id=opened.id + 1000)


def test_dismissing_a_case_stops_all_its_clocks_with_the_reason(session, clock, directory):
    case = open_test_case(session, clock.now(), config=CONFIG, severity="major_emergency")
    with pytest.raises(InvalidAction, match="撤销理由"):
        dismiss(session, clock.now(), case_id=case.id, reason="", actor="a")
    dismissed = dismiss(session, clock.now(), case_id=case.id, reason="重复报送", actor="a")
    assert (dismissed.status, dismissed.dismissed_reason) == ("dismissed", "重复报送")
    assert {c.status for cs in clocks(session, case.id).values() for c in cs} == {"stopped"}
    with pytest.raises(InvalidAction, match="已撤销"):
        confirm_response(session, clock.now(), case_id=case.id, clock_kind="first_release", mode="x", actor="a")


def test_upgrading_mid_clock_replaces_the_48_hour_clock_by_5_and_24_hours_from_the_original_start(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG)
    fire(session, clock, directory, CONFIG)
    clock.set(t0 + hours(2))
    change_severity(session, clock.now(), case_id=case.id, severity="major_emergency", reason="伤亡人数上升",
                    actor="科长", config=CONFIG)
    kinds = clocks(session, case.id)
    assert kinds["response"][0].status == "replaced" and "伤亡人数上升" in kinds["response"][0].reason
    assert [(c.status, c.due_at) for c in kinds["first_release"]] == [("running", t0 + hours(5))]
    assert [(c.status, c.due_at) for c in kinds["press_conference"]] == [("running", t0 + hours(24))]
    old_steps = [s for s in steps(session, case.id) if s.clock_id == kinds["response"][0].id and s.step != "opened"]
    assert {s.status for s in old_steps} == {"cancelled"}

    # The new 5 h clock runs on: its 50 % reminder (2.5 h) 1 s before, at and after.
    clock.set(t0 + hours(2.5) - timedelta(seconds=1))
    fire(session, clock, directory, CONFIG)
    assert not any(e.kind == "reminder" for e in events(session, case.id))
    clock.set(t0 + hours(2.5))
    fire(session, clock, directory, CONFIG)
    assert [e.payload["clock_kind"] for e in events(session, case.id) if e.kind == "reminder"] == ["first_release"]
    clock.set(t0 + hours(5))
    fire(session, clock, directory, CONFIG)
    assert [e.payload["clock_kind"] for e in events(session, case.id) if e.kind == "overdue"] == ["first_release"]
    assert any(e.kind == "other" and e.payload["step"] == "regraded" for e in events(session, case.id))


def test_an_upgrade_after_the_5_hours_have_passed_gets_a_grace_deadline(session, clock):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG)
    clock.set(t0 + hours(30))
    change_severity(session, clock.now(), case_id=case.id, severity="major_emergency", reason="升级", actor="a", config=CONFIG)
    kinds = clocks(session, case.id)
    assert kinds["first_release"][0].due_at == clock.now() + CONFIG.regrade_grace
    assert kinds["press_conference"][0].due_at == clock.now() + CONFIG.regrade_grace
    assert any("顺延" in line for line in session.get(Case, case.id).responsible["trace"])


def test_a_downgrade_after_a_confirmed_release_counts_it_as_the_48_hour_response(session, clock):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG, severity="major_emergency")
    confirm_response(session, clock.now(), case_id=case.id, clock_kind="first_release", mode="权威信息发布", actor="a")
    change_severity(session, clock.now(), case_id=case.id, severity="general", reason="核实为一般事件", actor="a", config=CONFIG)
    kinds = clocks(session, case.id)
    assert kinds["first_release"][0].status == "met"
    assert kinds["press_conference"][0].status == "replaced"
    assert [(c.status, c.due_at) for c in kinds["response"]] == [("met", t0 + hours(48))]


def test_reassigning_keeps_the_clock_start_and_tells_the_new_owner(session, clock, directory):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG)
    fire(session, clock, directory, CONFIG)
    clock.set(t0 + hours(1))
    changed = reassign(session, clock.now(), case_id=case.id, actor="科长", reason="涉及学校安全", directory=directory,
                       reassign_to=(TAIGU, "education"), add_co_responder={"locality": TAIGU, "sector": "emergency"})
    assert changed.first_body == "晋中市太谷区教育局"
    assert changed.responsible["co_responders"][0]["sector"] == "emergency"
    assert clocks(session, case.id)["response"][0].due_at == t0 + hours(48)
    fire(session, clock, directory, CONFIG)
    reassigned = next(e for e in events(session, case.id) if e.kind == "reassigned")
    assert {"教育联络人", "教育承办人"} <= names(reassigned)
    clock.set(t0 + hours(24))
    fire(session, clock, directory, CONFIG)
    reminder = next(e for e in events(session, case.id) if e.kind == "reminder")
    assert {"教育联络人", "教育承办人"} <= names(reminder) and "应急联络人" not in names(reminder)
    with pytest.raises(InvalidAction, match="组织目录中没有"):
        reassign(session, clock.now(), case_id=case.id, actor="a", reason="x", directory=directory,
                 reassign_to=(TAIGU, "taxation"))


def test_referring_a_rumour_records_the_evidence_and_the_recipients(session, clock):
    case = open_test_case(session, clock.now(), config=CONFIG)
    entry = refer_rumor(session, clock.now(), case_id=case.id, evidence=["https://weibo.example/1"], note="造谣传谣",
                        actor="值班员中")
    assert (entry.action, entry.actor, entry.at) == ("refer_rumor", "值班员中", clock.now())
    assert entry.detail["evidence"] == ["https://weibo.example/1"] and "公安机关" in entry.detail["to"]
    with pytest.raises(InvalidAction, match="线索"):
        refer_rumor(session, clock.now(), case_id=case.id, evidence=[], note=None, actor="a")


def test_a_superior_order_opens_a_manual_case_timed_from_the_order(session, clock, directory):
    ordered = clock.now() - hours(1)
    case = open_manual_case(session, clock.now(), title="省政府办公厅交办：太谷区供暖问题", text="请于规定时限内回应",
                            actor="科长", kind="superior_order", ordered_at=ordered, localities=[TAIGU],
                            sectors=["emergency"], severity="general", directory=directory, config=CONFIG)
    assert (case.opened_by, case.event_id, case.description) == ("科长", None, "请于规定时限内回应")
    assert "superior_request" in case.criteria
    assert clocks(session, case.id)["response"][0].due_at == ordered + hours(48)
    assert audit(session, case.id) == ["open_case", "open_manual_case"]
    fire(session, clock, directory, CONFIG)
    assert [e.kind for e in events(session, case.id)] == ["opened"]


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"kind": "rumour_mill"}, "未知的立案来源", id="bad-kind"),
    pytest.param({"localities": ["太谷"]}, "没有这些地区", id="short-locality"),
    pytest.param({"sectors": ["police"]}, "未知的部门代码", id="bad-sector"),
    pytest.param({"severity": "huge"}, "未知的事件级别", id="bad-severity"),
])
def test_a_bad_manual_case_is_refused_in_chinese(session, clock, directory, kwargs, message):
    args = dict(title="电话报告", text="t", actor="a", kind="phone_tip", localities=[TAIGU], sectors=["emergency"],
                severity="general", directory=directory, config=CONFIG)
    args.update(kwargs)
    with pytest.raises(InvalidAction, match=message):
        open_manual_case(session, clock.now(), **args)


def test_closing_records_where_the_result_was_published_and_stops_the_clocks(session, clock, directory):
    case = open_test_case(session, clock.now(), config=CONFIG, severity="major_emergency")
    with pytest.raises(InvalidAction, match="http"):
        close_case(session, clock.now(), case_id=case.id, result_url="gov.example.org", actor="a")
    closed = close_case(session, clock.now(), case_id=case.id, result_url="https://gov.example.org/result", actor="科长")
    assert (closed.status, closed.result_url, closed.closed_at) == ("closed", "https://gov.example.org/result", clock.now())
    assert {c.status for cs in clocks(session, case.id).values() for c in cs} == {"stopped"}
    fire(session, clock, directory, CONFIG)
    assert [e.payload["step"] for e in events(session, case.id)] == ["closed"]
    assert audit(session, case.id)[-1] == "close_case"


def test_an_unknown_case_raises_case_not_found(session, clock):
    with pytest.raises(CaseNotFound, match="不存在") as info:
        acknowledge(session, clock.now(), case_id=999, actor="a")
    assert isinstance(info.value, ResponderError)


def test_a_clock_answered_late_is_kept_as_it_is_when_the_case_is_regraded(session, clock):
    t0 = clock.now()
    case = open_test_case(session, t0, config=CONFIG, severity="major_emergency")
    clock.set(t0 + hours(6))
    confirm_response(session, clock.now(), case_id=case.id, clock_kind="first_release", mode="权威信息发布", actor="a")
    change_severity(session, clock.now(), case_id=case.id, severity="general", reason="降级", actor="a", config=CONFIG)
    change_severity(session, clock.now(), case_id=case.id, severity="major_emergency", reason="再升级", actor="a", config=CONFIG)
    kinds = clocks(session, case.id)
    assert [(c.status, c.stopped_at) for c in kinds["first_release"]] == [("overdue", t0 + hours(6))]
    assert [c.status for c in kinds["press_conference"]] == ["replaced", "running"]
    assert [c.status for c in kinds["response"]] == ["met"]
