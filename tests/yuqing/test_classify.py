"""`yuqing classify` as a user runs it: JSON Lines in, CONTRACT records out, same order, bad lines reported."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["id", "priority", "criteria", "severity", "especially_major", "sentiment", "localities", "sectors",
        "in_jurisdiction", "responsible", "clocks", "rationale", "review", "confidence"]


def run_classify(lines, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "yuqing.cli", "classify", "--config", str(ROOT / "config.toml"), *args],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


def test_it_prints_one_contract_record_per_line_in_order():
    lines = [
        json.dumps({"id": "a1", "title": "太谷区一化工厂爆炸致11人死亡", "text": "山西省晋中市太谷区一化工厂发生爆炸，已造成11人死亡。",
                    "published": "2026-11-21T08:00:00+08:00"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "a3", "text": 5}),
        json.dumps({"id": "a4", "title": "山西队取胜", "text": "CBA山西汾酒队主场取胜"}, ensure_ascii=False),
    ]
    code, out, _ = run_classify(lines, "--now", "2026-11-21T10:00:00+08:00")
    assert code == 0
    assert [r["id"] for r in out] == ["a1", None, "a3", "a4"]
    first, bad, bad_field, sport = out
    assert list(first) == KEYS and list(sport) == KEYS
    assert first["severity"] == "major_emergency" and first["localities"] == ["山西省晋中市太谷区"]
    assert first["responsible"]["rule"]
    # The clocks start at `published` (08:00 Beijing = 00:00 UTC): 5 h and 24 h.
    assert [(c["kind"], c["due_at"]) for c in first["clocks"]] == [
        ("first_release", "2026-11-21T05:00:00+00:00"), ("press_conference", "2026-11-22T00:00:00+00:00")]
    assert "not JSON" in bad["error"] and "text" in bad_field["error"]
    assert sport["priority"] is False and sport["responsible"] is None and sport["clocks"] == []
    assert first["review"] is False and sport["review"] is False


def test_a_review_item_is_not_a_priority_and_names_no_body_and_no_clocks(example_config):
    """待研判 (issue 14): `priority` false, `review` true with its confidence; `responsible` null and `clocks` []
    as for every non-priority record (CONTRACT.md), whoever would own it: the case keeps that."""
    import io
    from dataclasses import replace
    from datetime import datetime, timezone

    from monitor.judgement import Judge
    from responders.directory import build_directory
    from yuqing.commands.classify import classify_lines

    class UnsureJudge(Judge):
        def assess(self, item, now=None):
            a = super().assess(item, now)
            return replace(a, priority=False, severity=None, review=True, confidence=0.58,
                           provisional_severity=a.severity) if a.priority else a

    judge = UnsureJudge.from_config(example_config.judgement, example_config.directory.jurisdiction,
                                    base_dir=example_config.base_dir)
    line = json.dumps({"id": "u1", "title": "太谷区一化工厂爆炸致11人死亡",
                       "text": "山西省晋中市太谷区一化工厂发生爆炸，已造成11人死亡。"}, ensure_ascii=False)
    out = io.StringIO()
    errors = classify_lines([line], out, judge=judge, directory=build_directory(example_config.directory),
                            clocks_config=example_config.clocks, now=datetime(2026, 11, 21, tzinfo=timezone.utc))
    record = json.loads(out.getvalue())
    assert errors == 0 and list(record) == KEYS
    assert (record["priority"], record["review"], record["confidence"]) == (False, True, 0.58)
    assert record["severity"] is None and record["responsible"] is None and record["clocks"] == []


def test_a_future_published_time_is_clamped_to_now():
    line = json.dumps({"id": "f", "title": "吕梁一小区停水五天 居民苦不堪言", "text": "吕梁市离石区一小区停水五天，上千户居民多次投诉无果。",
                       "published": "2030-01-01T00:00:00+00:00"}, ensure_ascii=False)
    code, (record,), _ = run_classify([line], "--now", "2026-11-21T00:00:00+00:00")
    assert record["clocks"] == [{"kind": "response", "hours": 48, "due_at": "2026-11-23T00:00:00+00:00"}]


def test_an_unusable_config_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[judgement]\nsentiment = 'sometimes'\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "yuqing.cli", "classify", "--config", str(bad)], input="", capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
