"""Score the judgement against a labelled development set (JSON Lines, `label` per line).

Figures: per-criterion precision and recall, priority precision/recall/F1,
severity accuracy on the items labelled priority, locality exact match (the
set of most specific places) and sector micro-F1. `mistakes` lists what
differed, for a person to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..assessment import CRITERIA
from .judge import Judge
from .record import parse_input

__all__ = ["Evaluation", "evaluate", "load_devset"]


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


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Evaluation:
    items: int = 0
    priority: tuple[float, float, float] = (0.0, 0.0, 0.0)
    severity_accuracy: float = 0.0
    locality_exact: float = 0.0
    sector_f1: float = 0.0
    criteria: dict[str, tuple[float, float, int]] = field(default_factory=dict)   # precision, recall, support
    mistakes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        p, r, f = self.priority
        out = [f"items: {self.items}",
               f"priority: precision {p:.3f} recall {r:.3f} F1 {f:.3f}",
               f"severity accuracy (priority items): {self.severity_accuracy:.3f}",
               f"locality exact match: {self.locality_exact:.3f}",
               f"sector micro-F1: {self.sector_f1:.3f}",
               "criterion            precision recall support"]
        for name, (cp, cr, n) in self.criteria.items():
            out.append(f"{name:<20} {cp:9.3f} {cr:6.3f} {n:7d}")
        return out


def evaluate(judge: Judge, records: list[dict], now: datetime) -> Evaluation:
    """Return the figures of `judge` on the labelled `records`."""
    ev = Evaluation(items=len(records))
    tp = fp = fn = 0
    sev_ok = sev_n = loc_ok = 0
    stp = sfp = sfn = 0
    crit = {c: [0, 0, 0] for c in CRITERIA}
    for rec in records:
        gold = rec["label"]
        a = judge.assess(parse_input({k: v for k, v in rec.items() if k != "label"}), now)
        if a.priority and gold["priority"]:
            tp += 1
        elif a.priority:
            fp += 1
            ev.mistakes.append(f"{rec['id']} false priority {list(a.criteria)}: {rec['title']}")
        elif gold["priority"]:
            fn += 1
            ev.mistakes.append(f"{rec['id']} missed priority {gold['criteria']}: {rec['title']}")
        if gold["priority"]:
            sev_n += 1
            if a.severity == gold["severity"]:
                sev_ok += 1
            else:
                ev.mistakes.append(f"{rec['id']} severity {a.severity} != {gold['severity']}: {rec['title']}")
        if set(a.localities) == set(gold["localities"]):
            loc_ok += 1
        else:
            ev.mistakes.append(f"{rec['id']} localities {list(a.localities)} != {gold['localities']}: {rec['title']}")
        got, want = set(a.sectors), set(gold.get("sectors", []))
        stp, sfp, sfn = stp + len(got & want), sfp + len(got - want), sfn + len(want - got)
        for c in CRITERIA:
            g, p = c in gold["criteria"], c in a.criteria
            crit[c][0] += g and p
            crit[c][1] += p and not g
            crit[c][2] += g and not p
    ev.priority = _prf(tp, fp, fn)
    ev.severity_accuracy = sev_ok / sev_n if sev_n else 1.0
    ev.locality_exact = loc_ok / len(records) if records else 1.0
    ev.sector_f1 = _prf(stp, sfp, sfn)[2]
    for c, (ctp, cfp, cfn) in crit.items():
        p, r, _ = _prf(ctp, cfp, cfn)
        ev.criteria[c] = (p, r, ctp + cfn)
    return ev
