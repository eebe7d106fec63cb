"""Places read as a person reads them: the scene of the event, not the dateline, the byline, a company's or
a hospital's name, the places where an earthquake was felt, where people come from, a township's name, a
corrected or mirrored name; each place left out says why; the assignment then starts from the scene.

Every case is a real published report. tests/data/real/places_tuning.jsonl holds, per case, its headline
(when the page shows one), a passage of at most 200 characters copied as published (Traditional pages and
their glitches included), its URL and the scene a reader takes from it; places_tuning_urls.txt lists the
URLs so that the corpus keeps them out of its held-out split.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.assessment import ItemInput
from monitor.judgement import Gazetteer, Judge
from monitor.judgement.scene import SceneReader
from monitor.judgement.textfold import fold

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
REAL = Path(__file__).resolve().parents[1] / "data" / "real"
CASES = [json.loads(line) for line in (REAL / "places_tuning.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]
BY_ID = {case["id"]: case for case in CASES}


@pytest.fixture(scope="module")
def judge_for():
    judges: dict[str, Judge] = {}

    def get(jurisdiction: str) -> Judge:
        if jurisdiction not in judges:
            judges[jurisdiction] = Judge.from_config(None, jurisdiction)
        return judges[jurisdiction]
    return get


def assess(judge_for, case):
    judge = judge_for(case.get("jurisdiction", "山西省"))
    return judge.assess(ItemInput(id=case["id"], title=case["title"], text=case["text"]), NOW)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['id']}-{c['class'].replace(',', '-')}" for c in CASES])
def test_the_localities_are_the_scene_and_each_place_left_out_says_why(judge_for, case):
    a = assess(judge_for, case)
    assert set(a.localities) == set(case["scene"])
    for surface in case["rejected"]:
        assert any(f"“{surface}”" in line and ("不计" in line or "未计入" in line) for line in a.rationale), \
            (surface, a.rationale)


def test_a_dateline_no_longer_makes_a_county_accident_a_two_city_case(judge_for, example_config):
    # 新华社太原…电 on a 灵石县 mine: the matcher alone names 太原 and 灵石, two cities, so the province's
    # department would respond; read as a person reads it, the county's department does.
    from responders.assignment import assign
    from responders.directory import build_directory

    directory = build_directory(example_config.directory)
    case = BY_ID["pt01"]
    a = assess(judge_for, case)
    both = judge_for("山西省").gazetteer.find(case["text"]).paths
    assert set(both) == {"山西省太原市", "山西省晋中市灵石县"}
    assert assign(replace(a, localities=both), directory).rule == "multi_city"
    result = assign(a, directory)
    assert result.rule == "single_locality"
    assert [b.name for b in result.first] == ["晋中市灵石县应急管理局"]
    assert "“太原”为电头（发稿地），不计为事发地" in a.rationale


def test_migrant_workers_home_county_does_not_make_a_second_county(judge_for, example_config):
    from responders.assignment import assign
    from responders.directory import build_directory

    directory = build_directory(example_config.directory)
    a = assess(judge_for, BY_ID["pt14"])
    assert a.localities == ("山西省吕梁市交城县",)
    assert assign(a, directory).rule == "single_locality"
    assert "“石楼县”为当事人的籍贯、来处或去向，不计为事发地" in a.rationale


def test_a_provincial_story_filed_from_the_capital_is_the_provinces(judge_for):
    a = assess(judge_for, BY_ID["pt35"])
    assert a.localities == ("山西省",)


def test_when_no_scene_is_named_the_weak_place_stands_and_the_rationale_says_so(judge_for):
    hospital = assess(judge_for, BY_ID["pt25"])
    assert hospital.localities == ("山西省太原市",)
    assert any(line.startswith("文中未写明事发地，暂按") and "“太原市”" in line for line in hospital.rationale)
    # The victim's home county (陵川) and a brand (汾西矿业) below the province never stand in for the scene.
    miner = assess(judge_for, BY_ID["pt06"])
    assert miner.localities == ("山西省",)
    assert "“潞城”是乡镇村名“潞城镇”的一部分，不计为地名" in miner.rationale


def test_a_mirrored_name_is_read_by_the_province_before_it_and_never_otherwise(judge_for):
    wrong = assess(judge_for, BY_ID["pt22"])
    assert wrong.localities == ("贵州省遵义市仁怀市",)
    assert any("怀仁市" in line and "仁怀市" in line and "次序相反" in line for line in wrong.rationale)
    both = assess(judge_for, BY_ID["pt36"])
    assert set(both.localities) == {"山西省朔州市怀仁市", "贵州省遵义市仁怀市"}


def test_a_name_inside_a_reporters_name_is_no_place(judge_for):
    a = assess(judge_for, BY_ID["pt28"])      # 新华网贵阳…电(记者石新荣): 新荣 is not 大同市新荣区
    assert a.localities == ("贵州省黔西南布依族苗族自治州兴义市",)
    assert "“新荣”是人名“石新荣”的一部分，不计为地名" in a.rationale


def test_the_reader_keeps_every_place_found_for_the_bodies_and_headlines(judge_for):
    # The seat of a body and the surfaces removed from headlines (monitor.incidents) still see every
    # place the matcher accepted, weak ones included; only the localities are the scene.
    g = judge_for("山西省").gazetteer
    text = fold(BY_ID["pt18"]["text"])
    result = SceneReader(g).read(text, g.mentions(text))
    assert result.paths == ("山西省运城市绛县",)
    assert ("太原", "山西省太原市") in result.mentions
    assert len(result.starts) == len(result.mentions)


def test_a_text_without_any_role_word_is_resolved_as_before():
    g = Gazetteer(jurisdiction="山西省")
    for text in ("太原市与贵阳市签署合作协议", "晋中市榆次区某小区暖气不热。", "南京鼓楼区和玄武区"):
        assert SceneReader(g).read(text, g.mentions(text)) == g.find(text)


def test_the_tuning_set_is_real_copied_short_and_its_urls_are_listed():
    urls = set((REAL / "places_tuning_urls.txt").read_text(encoding="utf-8").split())
    assert {case["url"] for case in CASES} == urls
    assert all(case["url"].startswith(("http://", "https://")) and len(case["text"]) <= 200 for case in CASES)
    classes = {c for case in CASES for c in case["class"].split(",")}
    assert {"dateline", "byline", "source", "brand", "hospital", "felt", "origin", "township", "mirror",
            "correction", "traditional"} <= classes
    assert sum(case["scene"][0].startswith("贵州省") for case in CASES) >= 5
