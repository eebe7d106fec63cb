"""Scanning a text line by line, with remembered lines, finds what scanning it whole finds."""

import json
import random
import re
from pathlib import Path

import pytest

from monitor.judgement import Judge
from monitor.judgement.judge import _DEPARTMENT
from monitor.judgement.linesafe import line_safe
from monitor.judgement.scan import LineScanner
from monitor.judgement.severity import _GRADE_WORDS, _PATTERNS, needles_in
from monitor.judgement.textfold import fold

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"
# Line-safe patterns the judge searches per line, and two that are not (searched whole).
PATTERNS = [_DEPARTMENT, _GRADE_WORDS, *(p for patterns in _PATTERNS.values() for p, _needs in patterns),
            re.compile(r"受伤[^。]{0,30}死亡"), re.compile(r"\s+")]


def test_line_safety_is_read_from_the_pattern():
    assert line_safe(_DEPARTMENT) and line_safe(_GRADE_WORDS) and line_safe(re.compile(r"(?<![防])\d+人\b"))
    for unsafe in (r"a[^b]c", r"\s", r"^a", r"a$", r"(?s)a.b", r"(?=\n)", r"[\W]", r"(a)\1", r"(?m)a"):
        assert not line_safe(re.compile(unsafe)), unsafe


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(None, "山西省")


def test_line_scans_equal_whole_text_scans_for_events_of_several_items(judge):
    records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces = [f"{r['title']}\n{r['text']}" for r in records] + ["臺北市發生車禍，３人受傷", "", "古县城 吉县长 阳泉市郊区"]
    rng = random.Random(5)
    scanner = LineScanner(judge.lexicon, judge.gazetteer, lines=64)     # small: lines are evicted and scanned again
    matched = {pattern: 0 for pattern in PATTERNS}
    for _ in range(300):
        raw = "\n".join(rng.choices(pieces, k=rng.randint(1, 8)))
        text = fold(raw)
        scanned = scanner.scan(raw)
        assert scanned.text == text
        whole = judge.lexicon.hits(text, judge.lexicon.matches(text))
        merged = judge.lexicon.hits_of(scanned.text, scanned.records)
        for name in ("crit", "sectors", "suppress", "override", "hard"):
            # Same keys and terms in the same order (decisions sort by weight, ties by first mention).
            assert [(k, list(v.items()) if isinstance(v, dict) else v) for k, v in getattr(merged, name).items()] == \
                   [(k, list(v.items()) if isinstance(v, dict) else v) for k, v in getattr(whole, name).items()]
        assert merged.sentiment == whole.sentiment
        for pattern in PATTERNS:
            found = scanner.finditer(pattern, scanned)
            assert found == [(m.start(), m.end(), (m.group(0), *m.groups())) for m in pattern.finditer(text)]
            matched[pattern] += len(found)
        assert scanned.mentions == judge.gazetteer.mentions(text)
        assert scanned.needles == needles_in(text)
    assert scanner._line.cache_info().hits > 100
    assert scanner._found.cache_info().hits > 100
    assert matched[_DEPARTMENT] > 50 and sum(matched[p] for p in PATTERNS[2:-2]) > 20 and matched[PATTERNS[-1]] > 50
