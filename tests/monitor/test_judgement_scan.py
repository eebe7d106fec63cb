"""Scanning a text line by line, with remembered lines, finds what scanning it whole finds."""

import json
import random
from pathlib import Path

import pytest

from monitor.judgement import Judge
from monitor.judgement.scan import LineScanner
from monitor.judgement.severity import needles_in
from monitor.judgement.textfold import fold

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(None, "山西省")


def test_line_scans_equal_whole_text_scans_for_events_of_several_items(judge):
    records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces = [f"{r['title']}\n{r['text']}" for r in records] + ["臺北市發生車禍，３人受傷", "", "古县城 吉县长 阳泉市郊区"]
    rng = random.Random(5)
    scanner = LineScanner(judge.lexicon, judge.gazetteer, lines=64)     # small: lines are evicted and scanned again
    for _ in range(300):
        raw = "\n".join(rng.choices(pieces, k=rng.randint(1, 8)))
        text = fold(raw)
        scanned = scanner.scan(raw)
        assert scanned.text == text
        assert scanned.terms == judge.lexicon.matches(text)
        assert scanned.mentions == judge.gazetteer.mentions(text)
        assert scanned.needles == needles_in(text)
    assert scanner._line.cache_info().hits > 100
