"""Casualty figures with Chinese numerals, response levels, and the national grading thresholds."""

import pytest

from monitor.judgement.gazetteer import DATA_DIR
from monitor.judgement.numerals import parse_number
from monitor.judgement.severity import SeverityRules, read_figures
from monitor.judgement.textfold import fold


@pytest.mark.parametrize("text, value", [("三", 3), ("两", 2), ("十余", 11), ("二十三", 23), ("11", 11), ("数十", 20),
                                         ("上百", 100), ("近百", 90), ("1.2万", 12000), ("一百零五", 105)])
def test_it_reads_chinese_and_arabic_numerals_as_a_lower_bound(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, field, value", [
    ("造成11人死亡、5人受伤", "deaths", 11),
    ("事故已致三人遇难、十余人受伤", "deaths", 3),
    ("事故已致三人遇难、十余人受伤", "injured", 11),
    ("截至目前，遇难者增至12人", "deaths", 12),
    ("一化工厂爆炸致3死2伤", "deaths", 3),
    ("13名矿工被困井下", "trapped", 13),
    ("另有15人失联", "missing", 15),
    ("紧急转移群众12.5万人", "relocated", 125000),
    ("发生6.2级地震", "magnitude", 6.2),
    ("启动防汛Ⅱ级应急响应", "response_level", 2),
    ("启动一级应急响应", "response_level", 1),
])
def test_it_reads_the_figures_written_in_the_text(text, field, value):
    assert getattr(read_figures(fold(text)), field) == value


@pytest.fixture(scope="module")
def rules():
    return SeverityRules.load(DATA_DIR / "severity.toml")


@pytest.mark.parametrize("text, grade", [
    pytest.param("煤矿透水事故造成10人死亡", "重大", id="ten-deaths-is-major"),
    pytest.param("煤矿透水事故造成9人死亡", "较大", id="nine-deaths-is-larger"),
    pytest.param("化工厂爆炸已致30人死亡", "特别重大", id="thirty-deaths-especially-major"),
    pytest.param("事故造成2人死亡", "一般", id="two-deaths-general"),
    pytest.param("启动防汛Ⅱ级应急响应", "重大", id="level-two-response"),
    pytest.param("启动Ⅳ级应急响应", "一般", id="level-four-response"),
    pytest.param("发生6.2级地震", "重大", id="magnitude-six"),
    pytest.param("发生4.3级地震，无人员伤亡", "一般", id="small-quake"),
    pytest.param("洪水来袭，紧急转移群众12.5万人", "重大", id="relocation-100k"),
    pytest.param("开展重大事故隐患排查", "一般", id="hazard-is-not-an-accident"),
    pytest.param("发现肺鼠疫确诊病例1例", "重大", id="plague-case"),
])
def test_it_grades_by_the_national_thresholds(rules, text, grade):
    assert rules.grade(fold(text)).grade == grade


def test_a_deployment_can_lower_a_threshold():
    rules = SeverityRules.load(DATA_DIR / "severity.toml", {"production_safety": {"major": {"deaths": 5, "serious_injuries": 50, "loss_yuan": 5e7}}})
    grading = rules.grade("事故造成6人死亡")
    assert grading.grade == "重大"
    assert "493号" in grading.reasons[0]


def test_the_needles_never_hide_a_figure_the_patterns_would_read():
    """The substring test before each pattern only skips work: the dev set reads the same without it."""
    import json
    from pathlib import Path

    devset = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"
    texts = [fold(f"{r['title']}\n{r['text']}") for r in map(json.loads, devset.read_text(encoding="utf-8").splitlines())]
    texts += ["一家5口不幸遇难", "致3死2伤", "M5.1级", "新增确诊病例3例，5例病例", "直接经济损失约1.2亿元", "重特大事故"]
    read = [read_figures(t) for t in texts]
    assert read == [read_figures(t, prefilter=False) for t in texts]
    assert sum(f.any() for f in read) >= 40


def test_the_number_written_to_start_with_a_class_matches_what_number_matches():
    import random
    import re

    from monitor.judgement.numerals import NUMBER, NUMBER_LEADING

    plain, leading = re.compile(f"({NUMBER})人(?:死亡|受伤)"), re.compile(f"({NUMBER_LEADING})人(?:死亡|受伤)")
    rng = random.Random(7)
    pieces = list("数几上近逾超约0123.45零〇一两二十百千万亿余多来人的，") + ["人死亡", "人受伤"] * 4
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    found = 0
    for text in texts:
        expected = [(m.span(), m.group(1)) for m in plain.finditer(text)]
        assert [(m.span(), m.group(1)) for m in leading.finditer(text)] == expected, text
        found += len(expected)
    assert found > 1000
