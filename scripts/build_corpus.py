"""Draw the train / dev / test splits of the real corpus from its collected parts, and print its statistics.

    .venv/bin/python scripts/build_corpus.py [tests/data/real]

Reads parts/*.jsonl (and *tuning_urls.txt, URLs whose text was used to write tests: they go to train),
checks every record, writes train.jsonl, dev.jsonl, test.jsonl and STATS.md. How the splits are drawn:
monitor/judgement/corpus.py. Run it again after adding records; the draw is reproducible.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.assessment import CRITERIA  # noqa: E402
from monitor.judgement.corpus import SPLITS, build_splits, load_parts, tuning_urls  # noqa: E402

SECTORS = {"education", "health", "medical_insurance", "market", "environment", "housing", "hrss", "public_security",
           "emergency", "transport", "natural_resources", "civil_affairs", "agriculture", "water", "finance",
           "taxation", "financial_regulation", "development_reform", "culture_tourism", "urban_management", "energy",
           "justice", "veterans", "commerce", "industry"}
RULES = {"national_policy", "superior_request", "policy_document", "single_locality", "vertical_department",
         "multi_county_same_city", "multi_city", "multi_department", "out_of_jurisdiction", "needs_triage", None}


def problems_of(rec: dict) -> list[str]:
    out = []
    lab = rec.get("label", {})
    if not rec.get("title") or not isinstance(rec.get("text"), str):
        out.append("title/text")
    if len(rec.get("text", "")) > 200:
        out.append("text over 200 characters")
    if not rec.get("url", "").startswith("http"):
        out.append("url")
    if not isinstance(lab.get("priority"), bool):
        out.append("label.priority")
    if any(c not in CRITERIA for c in lab.get("criteria", [])):
        out.append("label.criteria")
    if lab.get("priority") and not lab.get("criteria"):
        out.append("priority without criteria")
    if lab.get("severity") not in ("major_emergency", "general", None):
        out.append("label.severity")
    if any(s not in SECTORS for s in lab.get("sectors", [])):
        out.append("label.sectors")
    if lab.get("rule") not in RULES:
        out.append("label.rule")
    return out


def main(folder: str = "tests/data/real") -> int:
    root = Path(folder)
    records = load_parts(root)
    seen, kept = set(), []
    for rec in records:
        bad = problems_of(rec)
        key = (rec.get("url"), rec.get("title"), rec.get("text", "")[:60])
        same_text = ("text", (rec.get("title", "") + rec.get("text", "")).replace(" ", ""))
        if bad:
            print(f"{rec.get('id')}: left out ({', '.join(bad)})", file=sys.stderr)
        elif key in seen:
            print(f"{rec.get('id')}: left out (same url and title as an earlier record)", file=sys.stderr)
        elif same_text in seen:
            print(f"{rec.get('id')}: left out (same headline and text as an earlier record)", file=sys.stderr)
        else:
            seen.update((key, same_text))
            kept.append(rec)
    tuning = tuning_urls(root)
    previous = {}
    for name in SPLITS:
        path = root / f"{name}.jsonl"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    previous[json.loads(line)["id"]] = name
    splits = build_splits(kept, tuning, previous)
    for name in SPLITS:
        with open(root / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for rec in splits[name]:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    (root / "STATS.md").write_text(stats(kept, splits), encoding="utf-8")
    print(stats(kept, splits))
    return 0


def stats(records: list[dict], splits: dict) -> str:
    def province(rec):
        locs = rec["label"].get("localities") or []
        return locs[0][:3] if locs else "（无地点）"

    lines = ["# Corpus statistics (written by scripts/build_corpus.py)", "",
             f"records: {len(records)}", ""]
    lines.append("| split | records | priority | not priority | traditional | 山西 | 贵州 | sites |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for name in SPLITS + ("all",):
        rs = records if name == "all" else splits[name]
        pri = sum(r["label"]["priority"] for r in rs)
        trad = sum(r.get("script") == "traditional" for r in rs)
        sx = sum(any(l.startswith("山西省") for l in r["label"].get("localities", [])) for r in rs)
        gz = sum(any(l.startswith("贵州省") for l in r["label"].get("localities", [])) for r in rs)
        sites = len({r.get("site") for r in rs})
        lines.append(f"| {name} | {len(rs)} | {pri} | {len(rs) - pri} | {trad} | {sx} | {gz} | {sites} |")
    lines.append("")
    crit = Counter(c for r in records for c in r["label"].get("criteria", []))
    sev = Counter(r["label"].get("severity") for r in records if r["label"]["priority"])
    rules = Counter(r["label"].get("rule") for r in records if r["label"].get("rule"))
    genre = Counter(r.get("genre") for r in records)
    lines.append("criteria: " + ", ".join(f"{c} {crit[c]}" for c in CRITERIA))
    lines.append("")
    lines.append("severity (priority items): " + ", ".join(f"{k} {v}" for k, v in sev.most_common()))
    lines.append("")
    lines.append("rules (山西 priority items): " + ", ".join(f"{k} {v}" for k, v in rules.most_common()))
    lines.append("")
    lines.append("genres: " + ", ".join(f"{k} {v}" for k, v in genre.most_common()))
    lines.append("")
    lines.append("provinces (first locality): " + ", ".join(f"{k} {v}" for k, v in Counter(map(province, records)).most_common(12)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
