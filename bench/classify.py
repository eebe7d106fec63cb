"""Benchmark the judgement: 10,000 items through `Judge.assess`, and the place matcher alone.

Run: `.venv/bin/python -m bench.classify`. Items are the dev set's 222 texts cycled
with a varying suffix on the title and on the text (so no line is remembered:
monitor.judgement.scan), one core (CPU time of this process, so other load on the
machine does not count), sentiment included as the judge uses it (SnowNLP only on borderline items; the count is printed).
The naive baseline, timed in the same process on a sample: a per-name loop over
every division name (`name in text`) plus SnowNLP sentiment for every item.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from monitor.assessment import ItemInput
from monitor.judgement import Judge
from monitor.judgement.sentiment import snownlp_score
from monitor.judgement.textfold import fold
from snownlp import SnowNLP

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "data" / "devset.jsonl"
N = 10_000
BASELINE_SAMPLE = 300


def main() -> None:
    records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = []
    for i in range(N):
        r = records[i % len(records)]
        m = r.get("metrics", {})
        items.append(ItemInput(id=str(i), title=f"{r['title']}（{i}）", text=f"{r['text']}（{i}）", views=m.get("views"),
                               reposts=m.get("reposts"), comments=m.get("comments")))
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)

    t = time.process_time()
    judge = Judge.from_config(None, "山西省")
    build = time.process_time() - t
    snownlp_score("预热")        # import SnowNLP outside the timed loops (1.6 s)
    judge.snownlp_calls = 0

    t = time.process_time()
    for item in items:
        judge.assess(item, now)
    full = time.process_time() - t

    texts = [fold(f"{i.title}\n{i.text}") for i in items]
    t = time.process_time()
    for text in texts:
        judge.gazetteer.find(text, folded=True)
    places = time.process_time() - t

    names = sorted({p.name for p in judge.gazetteer.places})
    sample = texts[:BASELINE_SAMPLE]
    t = time.process_time()
    for text in sample:
        _ = [n for n in names if n in text]
    naive_places = (time.process_time() - t) / len(sample)
    t = time.process_time()
    for text in sample:
        _ = [n for n in names if n in text]
        SnowNLP(text[:200]).sentiments          # SnowNLP itself: the judge's snownlp_score caches
    naive_full = (time.process_time() - t) / len(sample)

    rate, place_rate = N / full, N / places
    print(f"judge build: {build * 1000:.0f} ms ({judge.gazetteer.pattern_count} place patterns, {judge.lexicon.size} lexicon terms)")
    print(f"classify {N} items: {full:.2f} s = {rate:,.0f} items/s ({full / N * 1e6:.0f} µs/item); "
          f"SnowNLP called on {judge.snownlp_calls} items ({judge.snownlp_calls / N:.1%})")
    print(f"naive baseline (per-name loop over {len(names)} names + SnowNLP per item), {BASELINE_SAMPLE} items: "
          f"{1 / naive_full:,.0f} items/s; ratio {rate * naive_full:.1f}x")
    print(f"places only {N} items: {place_rate:,.0f} items/s; naive per-name loop {1 / naive_places:,.0f} items/s; "
          f"ratio {place_rate * naive_places:.1f}x")


if __name__ == "__main__":
    main()
