"""Agreement of two independent labellers on a sample of the real corpus, per label field.

    .venv/bin/python scripts/agreement.py FIRST.jsonl SECOND.jsonl

FIRST holds the corpus records (with `label`), SECOND the second labeller's {"id", "label"} lines for a sample;
prints per-field agreement (share of identical values) and Cohen's kappa for the yes/no fields, and lists each
disagreement. Written to tests/data/real/agreement/AGREEMENT.md by hand from its output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    n = len(pairs)
    if not n:
        return 1.0
    po = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def main(first: str, second: str) -> int:
    corpus = {}
    for path in first.split(","):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                corpus[r["id"]] = r
    rows = [json.loads(l) for l in Path(second).read_text(encoding="utf-8").splitlines() if l.strip()]
    fields = {k: [] for k in ("priority", "criteria", "severity", "especially_major", "localities", "sectors",
                              "first_body", "rule")}
    diffs = []
    pri_pairs = []
    for row in rows:
        a, b = corpus[row["id"]]["label"], row["label"]
        pri_pairs.append((a["priority"], b["priority"]))
        fields["priority"].append(a["priority"] == b["priority"])
        both = a["priority"] and b["priority"]
        if both:
            fields["criteria"].append(set(a["criteria"]) == set(b["criteria"]))
            fields["severity"].append(a["severity"] == b["severity"])
            fields["especially_major"].append(bool(a.get("especially_major")) == bool(b.get("especially_major")))
        fields["localities"].append(set(a["localities"]) == set(b["localities"]))
        fields["sectors"].append(set(a["sectors"]) == set(b["sectors"]))
        if both and (a.get("first_body") or b.get("first_body")):
            fields["first_body"].append(a.get("first_body") == b.get("first_body"))
            fields["rule"].append(a.get("rule") == b.get("rule"))
        for k in fields:
            va, vb = a.get(k), b.get(k)
            if isinstance(va, list):
                va, vb = sorted(va), sorted(vb or [])
            if va != vb and (k in ("priority", "localities", "sectors") or both):
                diffs.append(f"{row['id']} {k}: first {json.dumps(va, ensure_ascii=False)} / second "
                             f"{json.dumps(vb, ensure_ascii=False)}  ({corpus[row['id']]['title'][:40]})")
    print(f"sample: {len(rows)} records")
    print("| field | items compared | agreement |")
    print("|---|---|---|")
    for k, v in fields.items():
        extra = f" (Cohen's kappa {kappa(pri_pairs):.2f})" if k == "priority" else ""
        print(f"| {k} | {len(v)} | {sum(v) / len(v):.2f}{extra} |" if v else f"| {k} | 0 | - |")
    print()
    for d in diffs:
        print("- " + d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
