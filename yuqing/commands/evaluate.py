"""`yuqing evaluate [FILE]`: the judgement's figures on labelled records.

Without FILE it prints two blocks: the held-out test split of the real corpus (tests/data/real/test.jsonl:
real published reports, never used to train or tune) and the team's synthetic development set
(tests/data/devset.jsonl). Each block: priority precision / recall / F1 (待研判 counts as caught for recall,
not as a priority for precision), the review share, per-criterion precision and recall, severity accuracy,
place exact-match, sector micro-F1 and, with the deployment's directory, first-body accuracy and rule agreement
on the items whose label names a first body. `--mistakes` lists each difference. `--decisions` prints the
live figures against the officers' verdicts stored by the deployment (see `responders.verdicts`).

Exit 0 when every block printed meets its targets (`--min-*`; the real split's targets are the product's:
recall 0.97, precision 0.90, review share 0.15, severity, places and first body 0.95), 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from monitor.judgement import Judge
from monitor.judgement.corpus import load_split
from monitor.judgement.evaluation import Evaluation, evaluate, load_devset
from monitor.timestamps import UTC

from .common import add_config_option, load_or_explain

__all__ = ["register", "run", "REAL_CORPUS", "DEFAULT_DEVSET", "assign_fn", "REAL_TARGETS"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEVSET = ROOT / "tests" / "data" / "devset.jsonl"
REAL_CORPUS = ROOT / "tests" / "data" / "real"
# Judged as of this instant: the records carry their own publication dates, and no rule depends on "now"
# except the clock start, which evaluation does not score.
EVAL_NOW = datetime(2026, 11, 21, tzinfo=UTC)
REAL_TARGETS = {"recall": 0.97, "precision": 0.90, "review_share": 0.15, "severity": 0.95, "places": 0.95,
                "first_body": 0.95}


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="judgement figures on the real test split and the development set")
    p.add_argument("file", nargs="?", default=None, metavar="FILE",
                   help="a labelled JSON Lines file (default: the real test split, then the development set)")
    add_config_option(p)
    p.add_argument("--default-config", action="store_true", help="shipped lexicons and 山西省 jurisdiction, no config file")
    p.add_argument("--split", choices=("train", "dev", "test"), default="test", help="which split of the real corpus")
    p.add_argument("--mistakes", action="store_true", help="list every difference")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object per block")
    p.add_argument("--decisions", action="store_true",
                   help="live precision and recall against the officers' verdicts in the deployment's database")
    p.add_argument("--days", type=int, default=30, help="with --decisions: the period, in days up to now")
    p.add_argument("--min-priority-f1", type=float, default=0.92, help="development set floor")
    p.add_argument("--min-severity", type=float, default=0.92, help="development set floor")
    p.add_argument("--min-locality", type=float, default=0.92, help="development set floor")
    p.set_defaults(handler=run)


def assign_fn(directory):
    """Return the evaluation's assign function over the deployment's directory (responders' engine)."""
    from responders.assignment import assign

    def run_assign(assessment):
        result = assign(assessment, directory)
        return result.rule, tuple(b.key for b in result.first)

    return run_assign


def _real_ok(ev: Evaluation) -> bool:
    p, r, _f = ev.priority
    return (r >= REAL_TARGETS["recall"] and p >= REAL_TARGETS["precision"]
            and ev.review_share <= REAL_TARGETS["review_share"] and ev.severity_accuracy >= REAL_TARGETS["severity"]
            and ev.locality_exact >= REAL_TARGETS["places"]
            and (ev.first_body_accuracy is None or ev.first_body_accuracy >= REAL_TARGETS["first_body"]))


def _print(title: str, ev: Evaluation, args) -> None:
    if args.json:
        print(json.dumps({"set": title, **ev.as_dict()}, ensure_ascii=False))
        return
    print(f"== {title}")
    for line in ev.lines():
        print(line)
    if args.mistakes:
        for line in ev.mistakes:
            print("  " + line)


def run(args) -> int:
    if args.decisions:
        from .evaluate_decisions import run_decisions
        return run_decisions(args)
    directory = None
    if args.default_config:
        judge = Judge.from_config(None, "山西省")
    else:
        config, _ = load_or_explain(args.config)
        judge = Judge.from_config(config.judgement, config.directory.jurisdiction, base_dir=config.base_dir,
                                  state_dir=config.state_path())
        from responders.directory import build_directory
        directory = build_directory(config.directory)
    assign = assign_fn(directory) if directory is not None else None
    blocks = []
    try:
        if args.file:
            blocks.append((args.file, load_devset(args.file), "dev"))
        else:
            blocks.append((f"real corpus, {args.split} split", load_split(REAL_CORPUS, args.split), "real"))
            blocks.append(("synthetic development set", load_devset(DEFAULT_DEVSET), "dev"))
    except (OSError, ValueError) as e:
        print(f"yuqing evaluate: cannot read the labelled records: {e}", file=sys.stderr)
        return 2
    ok = True
    for title, records, kind in blocks:
        ev = evaluate(judge, records, EVAL_NOW, assign=assign)
        _print(title, ev, args)
        if kind == "real":
            met = _real_ok(ev)
        else:
            met = (ev.priority[2] >= args.min_priority_f1 and ev.severity_accuracy >= args.min_severity
                   and ev.locality_exact >= args.min_locality)
        ok = ok and met
        if not args.json:
            print("targets met" if met else "targets NOT met")
    if not args.json:
        print(f"model: {judge.model.version if judge.model else 'none (rules only)'}; "
              f"待研判 band {judge.review_band[0]:.2f}-{judge.review_band[1]:.2f}; SnowNLP calls: {judge.snownlp_calls}")
    return 0 if ok else 1
