"""The learned model: its features equal the training analyzer's, its file is reproducible, and the Judge
combines it with the rules (authority, 待研判 band, rationale) as documented."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.assessment import CRITERIA, ItemInput
from monitor.judgement import Judge, JudgementConfig
from monitor.judgement.corpus import build_splits, group_key, load_split, tuning_urls
from monitor.judgement.model import (DENSE_FEATURES, HEADS, MODEL_FORMAT, SHIPPED_MODEL, TextModel, features_of,
                                     model_text)
from monitor.judgement.textfold import fold
from monitor.judgement.training import choose_band, train

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture(scope="module")
def rules():
    return Judge.from_config(JudgementConfig(model="none"), "山西省")


@pytest.fixture(scope="module")
def shipped():
    return TextModel.load(SHIPPED_MODEL)


def _doc(vocabulary, weights, *, dense=None, intercept=None, calibration=None, band=(0.3, 0.7)):
    """A hand-made model document (a fixture for the combination logic, not a fitted model)."""
    return {"format": MODEL_FORMAT, "version": "test", "heads": list(HEADS), "dense": list(DENSE_FEATURES),
            "vocabulary": list(vocabulary), "weights": [list(w) for w in weights],
            "dense_weights": dense or [[0.0] * len(HEADS) for _ in DENSE_FEATURES],
            "intercept": intercept or [0.0] * len(HEADS), "calibration": calibration or [[1.0, 0.0]] * len(HEADS),
            "band": list(band)}


def test_the_automaton_finds_exactly_the_training_analyzers_ngrams_on_real_text(shipped):
    vocab = set(shipped.vocabulary)
    records = load_split(REAL, "train")[:200]
    assert records
    for rec in records:
        text = model_text(fold(f"{rec['title']}\n{rec['text']}"))
        found = {shipped.vocabulary[i] for i, _s, _e in shipped.matches(text)}
        assert found == features_of(text) & vocab, rec["id"]


def test_training_is_reproducible_and_the_file_loads(rules):
    records = load_split(REAL, "train")[:160]
    dev = load_split(REAL, "dev")[:40]
    first = train(records, dev, rules, NOW, seed=7)
    second = train(records, dev, rules, NOW, seed=7)
    assert first.text() == second.text()
    model = TextModel(json.loads(first.text()))
    assert model.vocabulary and 0 <= model.band[0] <= model.band[1] <= 1
    assert first.doc["info"]["records"] == 160 and first.doc["info"]["seed"] == 7


def test_a_broken_model_file_is_an_error_naming_the_file(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(ValueError, match="model.json.*format"):
        TextModel.load(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="model.json"):
        TextModel.load(bad)


def test_the_shipped_model_loads_and_the_default_judge_uses_it(rules):
    judge = Judge.from_config(None, "山西省")
    assert judge.model is not None and judge.model.version in judge.classifier
    assert rules.model is None


def _judge_with(rules, doc, band=None):
    return Judge(lexicon=rules.lexicon, gazetteer=rules.gazetteer, severity=rules.severity, model=TextModel(doc),
                 review_band=band)


def test_the_band_makes_priority_review_and_not_priority_from_the_models_probability(rules):
    # One n-gram moves the priority score: "讨薪" (a wage protest) weighs +3, "表彰" (an award) -3.
    heads = len(HEADS)
    doc = _doc(["讨薪", "表彰"], [[3.0] + [0.0] * (heads - 1), [-3.0] + [0.0] * (heads - 1)])
    judge = _judge_with(rules, doc, band=(0.3, 0.7))
    high = judge.assess(ItemInput(id="a", title="农民工讨薪", text=""), NOW)
    middle = judge.assess(ItemInput(id="b", title="一则消息", text=""), NOW)
    low = judge.assess(ItemInput(id="c", title="表彰大会", text=""), NOW)
    assert (high.priority, high.review) == (True, False) and high.confidence == pytest.approx(0.9526, abs=1e-3)
    assert (middle.priority, middle.review) == (False, True) and middle.criteria == ()
    assert (low.priority, low.review) == (False, False) and low.confidence == pytest.approx(0.9526, abs=1e-3)
    assert any("待研判" in line and "0.50" in line for line in middle.rationale)
    assert any("讨薪" in line and "0.95" in line for line in high.rationale)


def test_the_rules_stay_authoritative_for_a_major_emergency_and_a_rumour(rules):
    heads = len(HEADS)
    doc = _doc(["爆炸"], [[-9.0] + [0.0] * (heads - 1)], intercept=[-9.0] + [0.0] * (heads - 1))
    judge = _judge_with(rules, doc, band=(0.3, 0.7))
    a = judge.assess(ItemInput(id="m", title="太谷区一化工厂爆炸", text="晋中市太谷区一化工厂发生爆炸，已造成11人死亡。"), NOW)
    assert a.priority and a.severity == "major_emergency" and a.confidence == 1.0
    assert any("由规则认定" in line for line in a.rationale)


def test_a_criterion_the_rules_found_is_never_dropped_by_the_model(rules):
    heads = len(HEADS)
    doc = _doc([], [], intercept=[-9.0] + [0.0] * (heads - 1))
    judge = _judge_with(rules, doc, band=(0.3, 0.7))
    item = ItemInput(id="w", title="吕梁百余农民工聚集讨薪", text="吕梁市离石区一工地数百名农民工聚集维权，称被拖欠工资半年，"
                     "多次投诉无果，引发网友热议。")
    assert rules.assess(item, NOW).priority
    a = judge.assess(item, NOW)
    assert a.review and not a.priority
    assert any("规则命中" in line for line in a.rationale)


def test_a_drill_is_never_made_an_emergency_by_the_model(rules):
    heads = len(HEADS)
    emergency = HEADS.index("emergency_disaster")
    row = [0.0] * heads
    row[0], row[emergency] = 9.0, 9.0
    judge = _judge_with(rules, _doc(["演练"], [row]), band=(0.3, 0.7))
    a = judge.assess(ItemInput(id="d", title="太谷区开展危化品泄漏事故应急演练", text="模拟3人受伤。"), NOW)
    assert "emergency_disaster" not in a.criteria


def test_the_rationale_names_the_models_phrases_as_read_in_the_text(shipped):
    text = model_text(fold("山西一煤矿发生透水事故 13名矿工被困井下"))
    verdict = shipped.predict(text, [0.0] * len(DENSE_FEATURES))
    assert verdict.phrases and all(p in text for p in verdict.phrases)
    assert set(verdict.criteria) == set(CRITERIA)


def test_choose_band_prefers_the_smallest_review_share_meeting_every_target():
    positives = [0.70 + 0.015 * i for i in range(20)] + [0.35]
    negatives = [0.01 + 0.015 * i for i in range(19)] + [0.40, 0.42, 0.45]
    probs, gold = positives + negatives, [True] * 21 + [False] * 22
    # Taking everything above 0.29 as priority would keep recall at 1.0 with no review, but precision 21/24.
    (low, high), figures = choose_band(probs, gold, [False] * 43, [False] * 43)
    # The smallest review share that meets every target: review 0.35 and 0.40, priority from 0.42 (20 of 22).
    assert 0.28 < low <= 0.35 and 0.40 < high <= 0.42
    assert figures == {"recall": 1.0, "precision": round(20 / 22, 4), "review_share": round(2 / 43, 4)}


def _grams(rec):
    text = f"{rec.get('title', '')}{rec.get('text', '')}".replace(" ", "")
    return {text[i:i + 3] for i in range(len(text) - 2)}


def test_splits_are_reproducible_and_never_share_a_site_month_or_a_near_copy():
    splits = {name: load_split(REAL, name) for name in ("train", "dev", "test")}
    where = {}
    for name, records in splits.items():
        for rec in records:
            where.setdefault(group_key(rec), set()).add(name)
    assert all(len(v) == 1 for v in where.values())
    test_grams = [_grams(r) for r in splits["test"]]
    for rec in splits["train"] + splits["dev"]:
        g = _grams(rec)
        assert all(len(g & t) / len(g | t) < 0.5 for t in test_grams if g and t), rec["id"]
    tuning = tuning_urls(REAL)
    everything = [r for records in splits.values() for r in records]
    previous = {r["id"]: name for name, records in splits.items() for r in records}
    again = build_splits(sorted(everything, key=lambda r: r["url"]), tuning, previous)
    assert {s: [r["id"] for r in again[s]] for s in again} == {s: [r["id"] for r in splits[s]] for s in splits}
    # A new record joins its group's split; the records drawn before stay where they were.
    newcomer = dict(splits["test"][0], id="new-0001", title=splits["test"][0]["title"] + "（续）")
    grown = build_splits(everything + [newcomer], tuning, previous)
    assert "new-0001" in {r["id"] for r in grown["test"]}
    assert {r["id"] for r in grown["train"]} == {r["id"] for r in splits["train"]}


def test_the_shipped_model_is_what_make_model_builds_from_the_shipped_corpus(rules):
    from yuqing.commands.evaluate import EVAL_NOW
    from yuqing.commands.train import register  # noqa: F401 - the command `make model` runs
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    seed = parser.parse_args(["train"]).seed
    result = train(load_split(REAL, "train"), load_split(REAL, "dev"), rules, EVAL_NOW, seed=seed)
    assert result.text() == SHIPPED_MODEL.read_text(encoding="utf-8"), "run `make model` after changing the corpus"
