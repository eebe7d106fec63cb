"""`yuqing classify`: JSON Lines in on stdin, the CONTRACT.md record per line out on stdout.

Uses the daemon's own `Judge` (monitor.judgement), assignment engine
(`responders.assignment.assign`) and clock plan (`responders.clockplan.plan_clocks`),
so a line gets exactly what the daemon would decide. Writes nothing to the
database. A bad line gives `{"id": ..., "error": "..."}` and the next line is
read; exit 2 only when the config is unusable.

Clock start: the item's `published` time, clamped to `--now` (a future time is
a publisher's clock error), else `--now`, else the current time.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from monitor.judgement import Judge
from monitor.judgement.record import InputError, judgement_record, parse_input
from monitor.timestamps import SHANGHAI, UTC
from responders.assignment import assign
from responders.clockplan import plan_clocks
from responders.directory import build_directory

from ..clock import SystemClock
from .common import add_config_option, load_or_explain

__all__ = ["register", "run", "classify_lines"]


def register(sub) -> None:
    p = sub.add_parser("classify", help="classify JSON Lines items from stdin (one judgement record per line; the input record is in the README)")
    add_config_option(p)
    p.add_argument("--now", default=None, metavar="ISO8601", help="the time to judge at (default: now)")
    p.set_defaults(handler=run)


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    now = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (now if now.tzinfo else now.replace(tzinfo=SHANGHAI)).astimezone(UTC)


def classify_lines(lines, out, *, judge: Judge, directory, clocks_config, now: datetime) -> int:
    """Classify each line of `lines` to `out`; return the number of error lines."""
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item_id = None
        try:
            obj = json.loads(line)
            if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int)):
                item_id = obj["id"]
            item = parse_input(obj)
            assessment = judge.assess(item, now)
            record = judgement_record(item.id, assessment)
            if assessment.priority:
                record["responsible"] = assign(assessment, directory).to_record()
                start = min(item.published, now) if item.published else now
                record["clocks"] = [c.to_record() for c in plan_clocks(assessment.severity, start, clocks_config)]
        except json.JSONDecodeError as e:
            errors += 1
            record = {"id": item_id, "error": f"line {number}: not JSON ({e.msg} at column {e.colno})"}
        except InputError as e:
            errors += 1
            record = {"id": item_id, "error": f"line {number}: {e}"}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return errors


def run(args) -> int:
    config, _ = load_or_explain(args.config)
    try:
        now = _parse_now(args.now) or SystemClock().now()
    except ValueError:
        print(f"yuqing classify: --now is not ISO 8601: {args.now!r}", file=sys.stderr)
        return 2
    judge = Judge.from_config(config.judgement, config.directory.jurisdiction, base_dir=config.base_dir,
                              state_dir=config.state_path())
    directory = build_directory(config.directory)
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    classify_lines(stdin, sys.stdout, judge=judge, directory=directory, clocks_config=config.clocks, now=now)
    return 0
