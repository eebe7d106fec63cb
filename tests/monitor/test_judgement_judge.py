"""The rules of the Judge: criteria with reasons, near misses, severity, sectors, facts, and the dev-set floors.

The learned model is off here (`model = "none"`): these tests hold what the lexicons, patterns and
thresholds decide on their own. The model and its combination with the rules are tested in
test_judgement_model.py, and the shipped judge's figures on real and synthetic text in test_judgement_real.py.
"""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.assessment import ItemInput
from monitor.judgement import Judge, JudgementConfig
from monitor.judgement.evaluation import evaluate, load_devset

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(JudgementConfig(model="none"), "山西省")


def assess(judge, title, text="", **kw):
    return judge.assess(ItemInput(id="t", title=title, text=text, **kw), NOW)


def test_a_major_accident_is_a_major_emergency_with_its_reasons(judge):
    a = assess(judge, "太谷区一化工厂爆炸", "山西省晋中市太谷区一化工厂发生爆炸，已造成11人死亡。")
    assert (a.priority, a.criteria, a.severity) == (True, ("emergency_disaster",), "major_emergency")
    assert a.localities == ("山西省晋中市太谷区",) and a.in_jurisdiction is True
    assert "emergency" in a.sectors
    text = "\n".join(a.rationale)
    assert "爆炸" in text and "11人" in text and "493号" in text and "P1d" in text


def test_a_small_accident_is_general(judge):
    a = assess(judge, "孝义一小区燃气爆炸 3人受伤", "吕梁市孝义市一小区发生燃气爆炸，造成3人受伤。")
    assert a.priority and a.severity == "general"


@pytest.mark.parametrize("title, text", [
    pytest.param("太谷区开展危化品泄漏事故应急演练", "太谷区应急管理局组织危化品泄漏爆炸事故应急演练，模拟3人受伤。", id="drill"),
    pytest.param("大同市发布《突发地质灾害应急预案》", "大同市人民政府办公室印发应急预案，明确滑坡、泥石流的分级响应。", id="plan"),
    pytest.param("运城盐湖区计划停水通知", "因管网改造，盐湖区部分区域将于25日停水，请提前储水，敬请谅解。", id="routine-notice"),
    pytest.param("CBA山西队主场取胜", "山西汾酒队主场以102比95战胜对手。", id="sport"),
])
def test_near_misses_are_not_priority(judge, title, text):
    a = assess(judge, title, text)
    assert a.priority is False and a.severity is None and a.criteria == ()


def test_a_complaint_needs_impact_to_be_public_interest(judge):
    quiet = assess(judge, "小区暖气不热", "晋中市榆次区某小区暖气不热。")
    loud = assess(judge, "小区暖气不热", "晋中市榆次区某小区暖气不热，居民多次投诉无果。", views=200000)
    assert not quiet.priority
    assert loud.criteria == ("public_interest",)
    assert any("阅读/播放量" in r for r in loud.rationale)


def test_a_rumour_that_a_disaster_happened_is_a_rumour_not_a_disaster(judge):
    a = assess(judge, "网传阳泉化工厂爆炸系谣言", "网传阳泉市发生化工厂爆炸造成大量伤亡，警方核实纯属谣言，造谣者已被行政拘留。")
    assert a.criteria == ("rumor",)


def test_policy_misreading_collects_the_documents_and_the_drafting_body(judge):
    a = assess(judge, "晋中双减新规被误读", "晋中市教育局印发《晋中市校外培训机构管理办法》后被部分家长误读为取消周末辅导班，教育局作出解读。")
    assert "policy_misread" in a.criteria
    assert a.policy_documents == ("晋中市校外培训机构管理办法",)
    assert ("山西省晋中市", "education") in a.drafting_bodies


def test_a_superior_order_is_recorded_with_its_time(judge):
    a = assess(judge, "省政府办公厅要求晋中市回应", "省政府办公厅要求晋中市政府立即核查太谷区停暖问题并主动回应社会关切。")
    assert "superior_request" in a.criteria and a.superior_request and a.superior_order_at == NOW


def test_traditional_text_is_judged_like_simplified(judge):
    simplified = assess(judge, "大同一幼儿园老师虐童视频曝光", "大同市平城区一幼儿园老师虐待幼儿的视频在网上流传，家长报警。")
    traditional = assess(judge, "大同一幼兒園老師虐童視頻曝光", "大同市平城區一幼兒園老師虐待幼兒的視頻在網上流傳，家長報警。")
    assert traditional.criteria == simplified.criteria
    assert "moral_bottom_line" in traditional.criteria
    assert traditional.localities == simplified.localities == ("山西省大同市平城区",)


def test_sentiment_never_decides_alone(judge):
    a = assess(judge, "愤怒！失望！心寒！", "太原市民对此非常愤怒、失望、心寒。")
    assert a.sentiment < 0.25 and a.priority is False


def test_a_deployment_lexicon_adds_terms(tmp_path):
    extra = tmp_path / "lexicon-local.toml"
    extra.write_text('[criteria.emergency_disaster.groups.incident.terms]\n"冒顶片帮" = 3\n', encoding="utf-8")
    judge = Judge.from_config(JudgementConfig(lexicons=["lexicon-local.toml"]), "山西省", base_dir=tmp_path)
    a = judge.assess(ItemInput(id="x", title="吕梁一煤矿冒顶片帮", text="吕梁市兴县一煤矿冒顶片帮"), NOW)
    assert "emergency_disaster" in a.criteria


def test_the_dev_set_figures_stay_above_their_floors(judge):
    records = load_devset(DEVSET)
    assert len(records) >= 200
    ev = evaluate(judge, records, NOW)
    assert ev.priority[2] >= 0.92, ev.mistakes
    assert ev.severity_accuracy >= 0.92, ev.mistakes
    assert ev.locality_exact >= 0.92, ev.mistakes
    for name, (precision, recall, support) in ev.criteria.items():
        assert support >= 10, name
        assert precision >= 0.75 and recall >= 0.75, (name, precision, recall)


def test_a_missing_or_broken_extension_file_is_a_config_problem_naming_the_key(tmp_path):
    from monitor.judgement import judgement_problems

    assert judgement_problems(JudgementConfig(lexicons=["nope.toml"]), tmp_path) == [
        (("lexicons", 0), f"file not found: {tmp_path / 'nope.toml'}")]
    (tmp_path / "bad.toml").write_text("[criteria\n", encoding="utf-8")
    (problem,) = judgement_problems(JudgementConfig(lexicons=["bad.toml"]), tmp_path)
    assert "bad.toml" in problem[1]


def test_a_routine_work_meeting_that_mentions_a_complaints_hotline_is_not_a_priority(judge):
    a = assess(judge, "晋中市召开冬春农民工工资支付专项治理推进会",
               "晋中市召开根治欠薪冬季专项行动推进会，部署开展农民工工资支付专项检查，畅通投诉举报渠道，"
               "确保农民工按时足额拿到工资。")
    assert not a.priority
    assert any("推进会" in line for line in a.rationale)


def test_workers_who_complain_in_vain_about_unpaid_wages_are_still_a_priority(judge):
    a = assess(judge, "介休一工地40多名农民工讨薪无果 拨打投诉电话无人接听",
               "晋中市介休市一项目四十多名农民工反映被拖欠工资近一年，多次投诉无果，聚集在项目部讨薪。")
    assert a.priority and "public_interest" in a.criteria
