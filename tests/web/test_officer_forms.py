"""Issue 15.2-15.4: the forms an officer fills start from the case's own facts, and an override is complete."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from responders.models import Case, Clock

from .conftest import make_case

TG = "山西省晋中市太谷区"


def flash_of(page: str) -> str:
    m = re.search(r'class="flash[^"]*" role="status">(.*?)<', page, re.S)
    assert m, "no message on the page"
    return m.group(1).strip()


def test_a_manual_case_defaults_to_a_general_opinion(runtime, users, browser):
    b = browser("officer")
    form = b.get("/cases/new").text
    selected = re.search(r'<option value="(\w+)" selected>', form[form.index('name="severity"'):])
    assert selected and selected.group(1) == "general"
    answer = b.post("/cases/new", {"title": "电话报告：太谷区某小区停暖", "text": "", "kind": "phone_tip",
                                   "localities": TG, "sectors": "housing"})
    assert answer.status_code == 303, answer.text
    case_id = int(answer.headers["location"].rsplit("/", 1)[1])
    with Session(runtime.engine) as s:
        assert s.get(Case, case_id).severity == "general"
        assert {c.kind for c in s.exec(select(Clock).where(Clock.case_id == case_id))} == {"response"}


def test_the_reassign_form_starts_from_the_case_s_own_body(runtime, users, browser):
    case_id = make_case(runtime, sectors=("housing",), criteria=("public_interest",), severity="general")
    page = browser("officer").get(f"/cases/{case_id}").text
    form = page[page.index('action="/cases/%d/reassign"' % case_id):]
    form = form[:form.index("</form>")]
    assert re.search(r'name="locality"[^>]*value="%s"' % TG, form)
    assert re.search(r'<option value="housing" selected>', form)
    assert '<option value="education" selected>' not in form


def test_the_reassign_message_says_what_was_added_not_the_unchanged_first_body(runtime, users, browser):
    case_id = make_case(runtime)
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    b.post(f"/cases/{case_id}/reassign", {"locality": "山西省晋中市", "sector": "emergency", "how": "co_responder",
                                          "reason": "市局协助"})
    message = flash_of(b.get(f"/cases/{case_id}").text)
    assert "增加属地回应单位晋中市应急管理局" in message, message
    assert "第一责任主体" not in message, message


def test_reassigning_a_case_to_triage_gives_it_coordinators_a_leader_and_the_principal(runtime, users, browser):
    case_id = make_case(runtime, sectors=(), criteria=("public_interest",))
    with Session(runtime.engine) as s:
        case = s.get(Case, case_id)
        assert case.rule == "needs_triage" and not (case.responsible or {}).get("leader")
        case.especially_major = True
        s.add(case)
        s.commit()
    b = browser("officer")
    b.get(f"/cases/{case_id}")
    answer = b.post(f"/cases/{case_id}/reassign", {"locality": TG, "sector": "emergency", "how": "reassign",
                                                   "reason": "核实为安全生产事故"})
    assert answer.status_code == 303
    with Session(runtime.engine) as s:
        case = s.get(Case, case_id)
        resp = case.responsible
    assert case.rule == "single_locality" and case.first_body == "晋中市太谷区应急管理局"
    assert resp["leader"] and resp["leader"]["locality"] == TG
    assert resp["principal"], "an especially major case keeps the A-8 overlay after an override"
    assert {c.get("role") for c in resp["coordinators"]} >= {"government_office", "propaganda"}
    assert resp["overridden"] and resp["overrides"][-1]["actor"] == "officer"
    page = b.get(f"/cases/{case_id}").text
    assert "值班人员人工认定：officer" in page and "核实为安全生产事故" in page
    assert "needs_triage" not in page and "single_locality" not in page
