"""`yuqing evaluate --decisions`: the judge's live precision and recall against the officers' verdicts.

Reads the deployment's database (`--config`); the period is the last 30 days (`--days N`). What the figures
mean: responders.verdicts.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session

from responders.verdicts import live_figures

from ..clock import SystemClock
from ..db import make_engine, upgrade
from .common import load_or_explain

__all__ = ["run_decisions"]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def run_decisions(args) -> int:
    config, _ = load_or_explain(args.config)
    engine = make_engine(config.database_url())
    upgrade(engine)
    end = SystemClock().now()
    start = end - timedelta(days=getattr(args, "days", 30) or 30)
    with Session(engine) as session:
        f = live_figures(session, start, end)
    if args.json:
        print(json.dumps({"set": "officer verdicts, last 30 days", **f.as_dict()}, ensure_ascii=False))
        return 0
    print("== officer verdicts, last 30 days")
    print(f"priority cases opened by the judge: {f.priority_opened}, kept {f.priority_kept}: precision {_pct(f.precision)}")
    print(f"待研判 cases: {f.review_opened}, confirmed {f.review_confirmed}, dismissed {f.review_dismissed}, "
          f"undecided {f.review_undecided}")
    print(f"cases opened by hand (missed by the judge): {f.manual}")
    print(f"recall (priority kept + 待研判 confirmed, of all confirmed priority opinions): {_pct(f.recall)}")
    return 0
