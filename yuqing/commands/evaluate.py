"""`yuqing evaluate [FILE]`: the judgement's figures on a labelled development set.

Prints per-criterion precision and recall, priority F1, severity accuracy on
priority items, locality exact match and sector micro-F1; `--mistakes` lists
each difference. FILE defaults to the shipped tests/data/devset.jsonl.
Exit 0 when the figures meet the targets (`--min-*`), 1 otherwise.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from monitor.judgement import Judge
from monitor.judgement.evaluation import evaluate, load_devset
from monitor.timestamps import UTC

from .common import add_config_option, load_or_explain

__all__ = ["register", "run"]

DEFAULT_DEVSET = Path(__file__).resolve().parents[2] / "tests" / "data" / "devset.jsonl"


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="judgement figures on a labelled development set")
    p.add_argument("file", nargs="?", default=str(DEFAULT_DEVSET), metavar="FILE")
    add_config_option(p)
    p.add_argument("--default-config", action="store_true", help="shipped lexicons and 山西省 jurisdiction, no config file")
    p.add_argument("--mistakes", action="store_true", help="list every difference")
    p.add_argument("--min-priority-f1", type=float, default=0.92)
    p.add_argument("--min-severity", type=float, default=0.92)
    p.add_argument("--min-locality", type=float, default=0.92)
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.default_config:
        judge = Judge.from_config(None, "山西省")
    else:
        config, _ = load_or_explain(args.config)
        judge = Judge.from_config(config.judgement, config.directory.jurisdiction, base_dir=config.base_dir)
    try:
        records = load_devset(args.file)
    except (OSError, ValueError) as e:
        print(f"yuqing evaluate: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    ev = evaluate(judge, records, datetime(2026, 11, 21, tzinfo=UTC))
    for line in ev.lines():
        print(line)
    print(f"SnowNLP calls: {judge.snownlp_calls}")
    if args.mistakes:
        for line in ev.mistakes:
            print("  " + line)
    ok = ev.priority[2] >= args.min_priority_f1 and ev.severity_accuracy >= args.min_severity and ev.locality_exact >= args.min_locality
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1
