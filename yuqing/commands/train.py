"""`yuqing train`: fit the judgement model from the real corpus, or retrain it with the officers' decisions.

`yuqing train` (what `make model` runs) fits the model on the corpus's train split, chooses C and the 待研判
band on held-out probabilities (monitor.judgement.training) and writes the file the package ships
(monitor/judgement/data/model.json, or `--out`). The same corpus and `--seed` give the same file.

`yuqing train --with-decisions [--config PATH]` retrains for one deployment: the corpus's train split plus
the officers' decisions stored as labels (`responders.labels`: confirmed and dismissed 待研判 cases, upgrades,
downgrades, reassignments; drill decisions are left out). The deployment's labels are split by a hash of their
id: one in five is held out and never trains. It prints before/after figures on the corpus's dev split and on
the held-out labels of the last 30 days, and installs the new model (`<state_dir>/judgement-model.json`, which
the daemon loads at its next start or SIGHUP reload) only when it does no worse on either: its F1 (priority
precision against recall with 待研判 caught) must not fall by more than WORSE_BY on either set. `--dry-run` prints and installs nothing.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from monitor.judgement import Judge
from monitor.judgement.config import JudgementConfig
from monitor.judgement.corpus import load_split
from monitor.judgement.evaluation import evaluate
from monitor.judgement.model import DEPLOYMENT_MODEL, SHIPPED_MODEL, TextModel
from monitor.judgement.training import train

from ..clock import SystemClock
from .common import add_config_option, load_or_explain
from .evaluate import EVAL_NOW, REAL_CORPUS

__all__ = ["register", "run", "held_out", "retrain_with_decisions"]


def register(sub) -> None:
    p = sub.add_parser("train", help="fit the judgement model (make model), or retrain it with officers' decisions")
    p.add_argument("--corpus", default=str(REAL_CORPUS), metavar="DIR", help="the labelled corpus (train/dev/test.jsonl)")
    p.add_argument("--out", default=None, metavar="FILE", help="where to write the model (default: the shipped model, "
                   "or <state_dir>/judgement-model.json with --with-decisions)")
    p.add_argument("--seed", type=int, default=20261204)
    p.add_argument("--with-decisions", action="store_true", help="add the deployment's officer decisions as labels")
    p.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    add_config_option(p)
    p.set_defaults(handler=run)


def held_out(label_id) -> bool:
    """Return True for the one in five deployment labels that never trains (by a hash of the label's id)."""
    return int(hashlib.sha256(str(label_id).encode()).hexdigest(), 16) % 5 == 0


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# "Worse" is an F1 lower by more than this: half a percentage point, about one item of the dev split, is the
# noise of refitting on a few more records (the band is chosen again each time).
WORSE_BY = 0.005


def _f1(ev) -> float:
    return ev.priority[2]


def _rules_judge(judgement: JudgementConfig | None, jurisdiction: str, base_dir) -> Judge:
    config = (judgement or JudgementConfig()).model_copy(update={"model": "none"})
    return Judge.from_config(config, jurisdiction, base_dir=base_dir)


def retrain_with_decisions(corpus: Path, labels: list[dict], *, judgement: JudgementConfig | None, jurisdiction: str,
                           base_dir, before: Judge, now, seed: int, out=print) -> tuple[dict | None, dict]:
    """Return (model document or None when it must not be installed, figures) for a deployment's labels."""
    train_split, dev_split = load_split(corpus, "train"), load_split(corpus, "dev")
    own = [r for r in labels if not r.get("drill")]
    own_train = [r for r in own if not held_out(r["id"])]
    since = now - timedelta(days=30)
    recent = [r for r in own if held_out(r["id"]) and datetime.fromisoformat(r["decided_at"]) >= since]
    rules = _rules_judge(judgement, jurisdiction, base_dir)
    result = train(train_split + own_train, dev_split, rules, EVAL_NOW, seed=seed)
    after = Judge(lexicon=rules.lexicon, gazetteer=rules.gazetteer, severity=rules.severity,
                  sentiment_mode=rules.sentiment_mode, model=TextModel(result.doc))
    figures = {}
    worse = []
    for name, records in (("corpus dev split", dev_split), ("deployment, last 30 days (held out)", recent)):
        if not records:
            out(f"{name}: no records")
            continue
        b, a = evaluate(before, records, EVAL_NOW), evaluate(after, records, EVAL_NOW)
        figures[name] = {"before": b.as_dict(), "after": a.as_dict()}
        out(f"{name} ({len(records)} items):")
        for label, ev in (("before", b), ("after", a)):
            p, r, f = ev.priority
            out(f"  {label}: precision {p:.3f} recall {r:.3f} F1 {f:.3f} review share {ev.review_share:.3f}")
        if _f1(a) < _f1(b) - WORSE_BY:
            worse.append(name)
    figures["labels"] = {"all": len(own), "trained": len(own_train), "held_out_recent": len(recent)}
    if worse:
        out("not installed: the retrained model does worse on " + "、".join(worse))
        return None, figures
    return result.doc, figures


def run(args) -> int:
    corpus = Path(args.corpus)
    if not args.with_decisions:
        rules = _rules_judge(None, "山西省", ".")
        try:
            train_split, dev_split = load_split(corpus, "train"), load_split(corpus, "dev")
        except (OSError, ValueError) as e:
            print(f"yuqing train: cannot read the corpus: {e}", file=sys.stderr)
            return 2
        result = train(train_split, dev_split, rules, EVAL_NOW, seed=args.seed)
        f = result.figures
        print(f"trained on {f['records']} records (dev {f['dev']}): C={f['C']}, {f['vocabulary']} n-grams, "
              f"待研判 band {f['band'][0]:.2f}-{f['band'][1]:.2f}")
        print(f"held-out (out-of-fold train + dev): recall {f['held_out']['recall']:.3f} precision "
              f"{f['held_out']['precision']:.3f} review share {f['held_out']['review_share']:.3f}")
        if not args.dry_run:
            path = Path(args.out) if args.out else SHIPPED_MODEL
            _write(path, result.text())
            print(f"written: {path} ({result.doc['version']})")
        return 0
    config, _ = load_or_explain(args.config)
    from sqlmodel import Session

    from responders.labels import load_labels

    from ..db import make_engine, upgrade
    now = SystemClock().now()
    engine = make_engine(config.database_url())
    upgrade(engine)
    with Session(engine) as session:
        labels = load_labels(session, None)
    before = Judge.from_config(config.judgement, config.directory.jurisdiction, base_dir=config.base_dir,
                               state_dir=config.state_path())
    doc, _figures = retrain_with_decisions(corpus, labels, judgement=config.judgement,
                                           jurisdiction=config.directory.jurisdiction, base_dir=config.base_dir,
                                           before=before, now=now, seed=args.seed)
    if doc is None:
        return 1
    if not args.dry_run:
        import json
        path = Path(args.out) if args.out else config.state_path() / DEPLOYMENT_MODEL
        _write(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"installed: {path} ({doc['version']}); the daemon loads it at its next start or reload (SIGHUP)")
    return 0
