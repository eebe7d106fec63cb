"""The fast SnowNLP sentiment gives SnowNLP's own number, to the last bit."""

import json
from pathlib import Path

from snownlp import SnowNLP

from monitor.judgement.snowfast import sentiment
from monitor.judgement.textfold import fold

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"


def test_it_scores_the_dev_set_exactly_as_snownlp_does():
    records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [fold(f"{r['title']}\n{r['text']}")[:200] for r in records]
    texts += ["abc 123 你好", "ＡＢＣ 龘龘龘 㐀", "。。。", "政府回应：已经 妥善处理，群众 表示满意！"]
    ours = [sentiment(t) for t in texts]
    assert ours == [SnowNLP(t).sentiments for t in texts]
    assert min(ours) < 0.2 and max(ours) > 0.8        # the texts span the scale
