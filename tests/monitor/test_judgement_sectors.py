"""Sector choice on real published reports (train split of the real corpus): the main department first, a
second one only with evidence of its own matter, never three (tests/data/real/GUIDE.md S11)."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.assessment import ItemInput
from monitor.judgement import Judge
from monitor.judgement.record import parse_input

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
TRAIN = Path(__file__).resolve().parents[1] / "data" / "real" / "train.jsonl"


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(None, "山西省")


@pytest.fixture(scope="module")
def train():
    records = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in records}


def judged(judge, record):
    return judge.assess(parse_input({k: v for k, v in record.items() if k not in ("label", "split")}), NOW)


@pytest.mark.parametrize("rid, sectors", [
    # Migrant workers' unpaid wages are hrss's matter, not agriculture's (农民) nor the building site's.
    ("gzb-0030", ("hrss",)),
    # A school's food poisoning: the school's department, then the market regulator (food safety).
    ("sxa-0033", ("education", "market")),
    ("sxa-0034", ("education", "market")),
    # A single mine accident is the emergency bureau's alone (energy only for coal-industry notices).
    ("sxa-0007", ("emergency",)),
    ("sxa-0011", ("emergency",)),
    # A forest fire: emergency, and natural resources (forestry) by its own words.
    ("sxa-0168", ("emergency", "natural_resources")),
    # Loans taken out in farmers' names at rural credit cooperatives: the financial regulator.
    ("sxd-0061", ("financial_regulation",)),
    ("sxd-0059", ("financial_regulation",)),
    # A village football league and its crowds: culture and tourism.
    ("gzb-0180", ("culture_tourism",)),
])
def test_the_main_department_comes_first_and_a_second_needs_its_own_matter(judge, train, rid, sectors):
    a = judged(judge, train[rid])
    assert a.sectors == sectors, (rid, a.sectors, a.rationale)
    assert a.lead_sector == sectors[0]


def test_an_accident_report_naming_a_hospital_stays_one_department(judge, train):
    # 医院 once (the injured taken to hospital) is no health story.
    a = judged(judge, train["gzb-0051"])
    assert a.sectors == ("emergency",)


def test_no_item_of_the_train_split_gets_three_sectors(judge, train):
    counts = [len(judged(judge, r).sectors) for r in train.values()]
    assert max(counts) == 2
    assert sum(1 for n in counts if n == 2) >= 100


def test_a_title_term_counts_twice(judge):
    # 学区 (education 2) in the title weighs 4, more than 住建局 (housing 3) in the text: the title's story leads.
    a = judge.assess(ItemInput(id="t", title="家长质疑学区划分", text="县住建局回应称依规划定。"), NOW)
    assert a.sectors == ("education", "housing")
    b = judge.assess(ItemInput(id="t", title="家长质疑划分", text="学区划分引发质疑，县住建局回应称依规划定。"), NOW)
    assert b.sectors[0] == "housing"


def test_wage_arrears_lead_over_the_project_they_were_owed_for(judge, train):
    # 危废项目 in the title is the site, 讨薪 of 农民工 the story: hrss first, not agriculture (农民).
    a = judged(judge, train["sxa-0039"])
    assert a.sectors[0] == a.lead_sector == "hrss" and "agriculture" not in a.sectors


def test_joint_handling_by_several_departments_leaves_no_main_department(judge):
    a = judge.assess(ItemInput(id="t", title="曲沃县喜宴多人食物中毒",
                               text="山西省临汾市曲沃县一酒店喜宴后多人食物中毒送医院救治，卫健、市场监管等多部门联合调查。"), NOW)
    assert a.sectors[:1] == ("market",) and len(a.sectors) == 2
    assert a.lead_sector is None


def test_one_department_handling_names_the_main_department(judge):
    a = judge.assess(ItemInput(id="t", title="曲沃县喜宴多人食物中毒",
                               text="山西省临汾市曲沃县一酒店喜宴后多人食物中毒送医院救治，县市场监管局已封存留样。"), NOW)
    assert a.lead_sector == "market" == a.sectors[0]


def test_a_word_counts_once_not_once_per_term_containing_it(judge, train):
    # 山體滑坡 is one landslide word (山体滑坡 3, not 3 more for the 滑坡 inside it): the flood (決堤, 洪水) leads.
    a = judged(judge, train["sxa-0029"])
    assert a.sectors[0] == a.lead_sector == "water"
    # 滑坡 on its own, outside 山体滑坡, still counts.
    b = judge.assess(ItemInput(id="t", title="村民反映山体滑坡隐患", text="去年此处发生过滑坡，至今未治理。"), NOW)
    assert b.sectors == ("natural_resources",)


def test_bullying_at_school_is_the_school_department_s(judge, train):
    a = judged(judge, train["sxa-0276"])
    assert a.sectors[0] == "education"
