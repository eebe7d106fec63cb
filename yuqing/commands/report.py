"""`yuqing report`: the 通报 for a period, as HTML, Markdown, CSV or JSON (CONTRACT.md).

    yuqing report --period week --format html --out 通报.html
    yuqing report --period 2026-W47 --format json --locality 山西省晋中市
    yuqing report --period 2026 --format csv      # the 国办发〔2014〕32号 annual figures

Periods are Asia/Shanghai calendar periods (`responders.reports.periods`):
day, week, month and year are the last complete ones. Without --out the report
goes to stdout; a CSV file gets a byte-order mark so that Excel reads the UTF-8.
`--now` (ISO 8601) reports as of another instant, for drills and reproducible
reports.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session

from monitor.timestamps import as_utc
from responders.reports import RENDERERS, PeriodError, build_report, parse_period

from ..db import make_engine, upgrade
from .common import add_config_option, load_or_explain

FORMATS = tuple(RENDERERS)


def register(sub) -> None:
    p = sub.add_parser("report", help="the 通报 report for a period (html, md, csv, json)")
    p.add_argument("--period", required=True, metavar="P",
                   help="day, week, month, year, today, this-week, this-month, YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--out", default=None, metavar="PATH", help="write to this file instead of stdout")
    p.add_argument("--locality", default=None, metavar="PATH",
                   help="limit to a locality subtree, by its full name (e.g. 山西省晋中市)")
    p.add_argument("--include-drills", action="store_true",
                   help="count drill cases too (marked 演练 in the title, notes and lists); never by default")
    p.add_argument("--now", default=None, metavar="ISO8601", help="report as of this instant (default: now)")
    add_config_option(p)
    p.set_defaults(handler=run)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def run(args) -> int:
    config, _ = load_or_explain(args.config)
    try:
        now = _now(args.now)
    except ValueError:
        print(f"yuqing report: --now {args.now!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    try:
        period = parse_period(args.period, now=now, zone=config.timezone)
    except PeriodError as e:
        print(f"yuqing report: {e}", file=sys.stderr)
        return 2
    locality = args.locality or config.reports.locality
    engine = make_engine(config.database_url())
    try:
        upgrade(engine)     # idempotent; a fresh deployment gets an empty report, not a missing-table error
        with Session(engine) as session:
            report = build_report(session, period, now=now, locality_subtree=locality, rule=config.reports.interview,
                                  drills=args.include_drills)
    finally:
        engine.dispose()
    text = RENDERERS[args.format](report)
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline="")
        print(f"yuqing report: {report.title} -> {path}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0
