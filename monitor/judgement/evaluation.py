"""Score the judgement against labelled records (JSON Lines, `label` per line).

Figures (what `yuqing evaluate` prints and the tests hold floors on):
- priority precision, recall and F1, where a 待研判 (review) item counts as caught for recall (its provisional
  clocks run from first detection) but not as a priority for precision;
- the review share (review items / all items);
- per-criterion precision and recall (the criteria of priority items, or the likely ones of review items);
- severity accuracy on the items labelled priority (a review item's provisional severity counts; a missed
  item is wrong);
- locality exact match (the set of most specific places), sector micro-F1;
- with an `assign` function (the composition root passes the assignment engine): first-body accuracy and rule
  agreement on the items whose label names a first body (山西 priority items); a missed item is wrong.
`mistakes` lists what differed, for a person to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..assessment import CRITERIA, Assessment
from .judge import Judge
from .record import parse_input

__all__ = ["Evaluation", "evaluate", "load_devset", "prf"]

# assign(assessment) -> (rule, ((locality, sector or role), ...)) of the first bodies.
AssignFn = Callable[[Assessment], tuple[str, tuple[tuple[str, str], ...]]]


def load_devset(path: str | Path) -> list[dict]:
    """Return the labelled records of `path` (one JSON object per line)."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            obj = json.loads(line)
            if "label" not in obj:
                raise ValueError(f"{path}:{number}: no label")
            records.append(obj)
    return records


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Evaluation:
    items: int = 0
    priority: tuple[float, float, float] = (0.0, 0.0, 0.0)     # precision (priority), recall (priority or review), F1
    review_share: float = 0.0
    severity_accuracy: float = 0.0
    locality_exact: float = 0.0
    sector_f1: float = 0.0
    first_body_accuracy: float | None = None
    rule_agreement: float | None = None
    first_body_items: int = 0
    criteria: dict[str, tuple[float, float, int]] = field(default_factory=dict)   # precision, recall, support
    mistakes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        p, r, f = self.priority
        out = [f"items: {self.items}",
               f"priority: precision {p:.3f} recall {r:.3f} F1 {f:.3f} (recall counts 待研判 as caught)",
               f"review share: {self.review_share:.3f}",
               f"severity accuracy (priority items): {self.severity_accuracy:.3f}",
               f"locality exact match: {self.locality_exact:.3f}",
               f"sector micro-F1: {self.sector_f1:.3f}"]
        if self.first_body_accuracy is not None:
            out.append(f"first body accuracy ({self.first_body_items} items): {self.first_body_accuracy:.3f}")
            out.append(f"rule agreement ({self.first_body_items} items): {self.rule_agreement:.3f}")
        out.append("criterion            precision recall support")
        for name, (cp, cr, n) in self.criteria.items():
            out.append(f"{name:<20} {cp:9.3f} {cr:6.3f} {n:7d}")
        return out

    def as_dict(self) -> dict:
        p, r, f = self.priority
        return {"items": self.items, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "review_share": round(self.review_share, 4), "severity": round(self.severity_accuracy, 4),
                "places": round(self.locality_exact, 4), "sector_f1": round(self.sector_f1, 4),
                "first_body": None if self.first_body_accuracy is None else round(self.first_body_accuracy, 4),
                "rule_agreement": None if self.rule_agreement is None else round(self.rule_agreement, 4)}


def evaluate(judge: Judge, records: list[dict], now: datetime, *, assign: AssignFn | None = None) -> Evaluation:
    """Return the figures of `judge` on the labelled `records`."""
    ev = Evaluation(items=len(records))
    tp = fp = fn = reviews = 0
    sev_ok = sev_n = loc_ok = loc_n = 0
    stp = sfp = sfn = 0
    body_ok = rule_ok = body_n = 0
    crit = {c: [0, 0, 0] for c in CRITERIA}
    for rec in records:
        gold = rec["label"]
        a = judge.assess(parse_input({k: v for k, v in rec.items() if k not in ("label", "split")}), now)
        caught = a.priority or a.review
        reviews += a.review
        title = rec.get("title", "")
        if gold["priority"]:
            if caught:
                tp += a.priority
            else:
                fn += 1
                ev.mistakes.append(f"{rec['id']} missed priority {gold['criteria']}: {title}")
        elif a.priority:
            fp += 1
            ev.mistakes.append(f"{rec['id']} false priority {list(a.criteria)}: {title}")
        if gold["priority"]:
            sev_n += 1
            severity = a.severity if a.priority else a.provisional_severity
            if gold.get("severity") is None and "decision" in rec:
                sev_n -= 1                  # an officer's verdict without a severity
            elif severity == gold["severity"]:
                sev_ok += 1
            else:
                ev.mistakes.append(f"{rec['id']} severity {severity} != {gold['severity']}: {title}")
        # An officer's decision may leave places and sectors unstated (None): they are not scored then.
        if gold.get("localities") is not None:
            loc_n += 1
            if set(a.localities) == set(gold["localities"]):
                loc_ok += 1
            else:
                ev.mistakes.append(f"{rec['id']} localities {list(a.localities)} != {gold['localities']}: {title}")
        if gold.get("sectors") is not None:
            got, want = set(a.sectors), set(gold["sectors"])
            stp, sfp, sfn = stp + len(got & want), sfp + len(got - want), sfn + len(want - got)
        if a.priority:
            found = set(a.criteria)
        else:
            found = set((a.extra.get("model") or {}).get("likely", ())) if a.review else set()
        for c in CRITERIA:
            g, p = gold["priority"] and c in gold["criteria"], c in found
            crit[c][0] += g and p
            crit[c][1] += p and not g
            crit[c][2] += g and not p
        body = gold.get("first_body")
        if assign is not None and gold["priority"] and body:
            body_n += 1
            rule, firsts = assign(a) if caught else (None, ())
            want_body = (body["locality"], body["sector"])
            if want_body in firsts:
                body_ok += 1
            else:
                ev.mistakes.append(f"{rec['id']} first body {list(firsts)} != {list(want_body)}: {title}")
            if rule == gold.get("rule"):
                rule_ok += 1
            else:
                ev.mistakes.append(f"{rec['id']} rule {rule} != {gold.get('rule')}: {title}")
    # precision over the items judged priority; recall over the items labelled priority (review = caught).
    positives = sum(1 for r in records if r["label"]["priority"])
    caught_all = positives - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = caught_all / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ev.priority = (precision, recall, f1)
    ev.review_share = reviews / len(records) if records else 0.0
    ev.severity_accuracy = sev_ok / sev_n if sev_n else 1.0
    ev.locality_exact = loc_ok / loc_n if loc_n else 1.0
    ev.sector_f1 = prf(stp, sfp, sfn)[2]
    if assign is not None:
        ev.first_body_items = body_n
        ev.first_body_accuracy = body_ok / body_n if body_n else 1.0
        ev.rule_agreement = rule_ok / body_n if body_n else 1.0
    for c, (ctp, cfp, cfn) in crit.items():
        p, r, _ = prf(ctp, cfp, cfn)
        ev.criteria[c] = (p, r, ctp + cfn)
    return ev
