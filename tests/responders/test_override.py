"""Officer overrides: reassign, add a co-responder, name a lead; each leaves a trace line and keeps the clocks."""

from __future__ import annotations

import pytest

from monitor.assessment import Assessment
from responders.assignment import Assignment, apply_override, assign
from responders.errors import InvalidAction

TG, PY, JZ = "山西省晋中市太谷区", "山西省晋中市平遥县", "山西省晋中市"


def two_departments(directories) -> Assignment:
    return assign(Assessment(priority=True, localities=(TG,), sectors=("education", "public_security")), directories["shanxi"])


def test_reassigning_names_the_officer_the_reason_and_keeps_the_clock_start(directories):
    d = directories["shanxi"]
    before = assign(Assessment(priority=True, localities=(TG,), sectors=("education",)), d)
    after = apply_override(before, directory=d, reassign_to=(PY, "education"), reason="实为平遥县学校", actor="张值班")
    assert [b.key for b in after.first] == [(PY, "education")]
    assert after.leader.locality == PY
    assert {c.key for c in after.coordinators} == {(PY, "government_office"), (PY, "propaganda")}
    assert after.trace[: len(before.trace)] == before.trace
    assert any("张值班改派" in line and "沿用原起算时间" in line for line in after.trace)
    assert after.trace[-1] == "调整理由：实为平遥县学校"
    assert after.extra["overrides"][-1] == {"actor": "张值班", "reason": "实为平遥县学校", "reassign_to": [PY, "education"],
                                            "add_co_responder": None, "lead": None}
    assert before.first[0].key == (TG, "education"), "the original assignment is not changed"


def test_a_reassigned_vertical_body_is_coordinated_by_its_upper_department(directories):
    d = directories["shanxi"]
    before = assign(Assessment(priority=True, localities=(TG,)), d)
    assert before.rule == "needs_triage"
    after = apply_override(before, directory=d, reassign_to="国家税务总局晋中市太谷区税务局", reason="社保费征收", actor="甲")
    assert after.rule == "vertical_department" and after.candidates == ()
    assert (JZ, "taxation") in {c.key for c in after.coordinators}


def test_an_especially_major_case_keeps_the_principal_after_reassignment(directories):
    d = directories["shanxi"]
    before = assign(Assessment(priority=True, localities=(TG,), sectors=("emergency",), especially_major=True), d)
    after = apply_override(before, directory=d, reassign_to=(JZ, "emergency"), reason="市级接管", actor="甲")
    assert after.principal.locality == JZ and after.leader == after.principal


def test_a_lead_must_be_one_of_the_first_bodies(directories):
    with pytest.raises(InvalidAction, match="牵头部门必须是第一责任主体之一"):
        apply_override(two_departments(directories), directory=directories["shanxi"], lead=(TG, "health"),
                       reason="x", actor="甲")


def test_a_named_lead_becomes_the_owner_of_record(directories):
    after = apply_override(two_departments(directories), directory=directories["shanxi"], lead=(TG, "public_security"),
                           reason="公安牵头", actor="甲")
    assert after.owner.key == (TG, "public_security")
    assert two_departments(directories).owner is None


def test_adding_a_co_responder_twice_is_refused(directories):
    d = directories["shanxi"]
    once = apply_override(two_departments(directories), directory=d, add_co_responder=(PY, "education"), reason="x", actor="甲")
    assert (PY, "education") in {c.key for c in once.co_responders}
    with pytest.raises(InvalidAction, match="已在"):
        apply_override(once, directory=d, add_co_responder=(PY, "education"), reason="x", actor="甲")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        pytest.param({"reassign_to": (PY, "education"), "reason": " ", "actor": "甲"}, "必须填写理由", id="no-reason"),
        pytest.param({"reassign_to": (PY, "education"), "reason": "x", "actor": ""}, "操作人", id="no-actor"),
        pytest.param({"reason": "x", "actor": "甲"}, "没有要调整的内容", id="nothing-to-do"),
        pytest.param({"reassign_to": "太谷区不存在局", "reason": "x", "actor": "甲"}, "目录中没有", id="unknown-body"),
        pytest.param({"reassign_to": ("山西省晋中市太古区", "education"), "reason": "x", "actor": "甲"}, "目录中没有", id="unknown-key"),
    ],
)
def test_an_override_that_cannot_apply_says_why_in_chinese(directories, kwargs, words):
    with pytest.raises(InvalidAction, match=words):
        apply_override(two_departments(directories), directory=directories["shanxi"], **kwargs)


def test_an_override_survives_a_round_trip_through_the_stored_record(directories):
    d = directories["shanxi"]
    stored = two_departments(directories).to_record()
    after = apply_override(Assignment.from_record(stored), directory=d, lead=(TG, "education"), reason="教育牵头", actor="甲")
    assert after.to_record()["lead"] == {"name": "晋中市太谷区教育局", "locality": TG, "sector": "education"}
