"""`yuqing ingest FILE_OR_URL...`: one-shot ingestion exactly as the daemon stores items (CONTRACT.md).

Parses the given feed files, folders of feeds or URLs, dedupes and stores
them (monitor.ingest), then runs the stages after ingestion
(`yuqing.pipeline.after_ingest`: judgement, cases; notifications are queued,
not sent). Prints one JSON object:
`{"items": N, "new_items": N, "events": N, "cases": N, "seconds": S, "errors": [...]}`
(`events`: events created or grown by this run). Problems with single targets
go to stderr and into "errors"; the exit code is 1 only when no target could
be read, 2 for an unusable config.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from sqlmodel import Session

from monitor.ingest import ingest_targets

from ..clock import SystemClock
from ..db import upgrade
from ..pipeline import after_ingest
from ..runtime import Runtime
from .common import add_config_option, load_or_explain


def register(sub) -> None:
    p = sub.add_parser("ingest", help="parse feed files or URLs and store them as the daemon would")
    add_config_option(p)
    p.add_argument("targets", nargs="+", metavar="FILE_OR_URL", help="feed file, folder of feed files, or http(s) URL")
    p.set_defaults(handler=run)


def run(args) -> int:
    config, path = load_or_explain(args.config)
    started = time.perf_counter()
    runtime = Runtime(config, SystemClock(), config_path=path)
    try:
        upgrade(runtime.engine)
        runtime.warm_up()
        now = runtime.clock.now()
        report = asyncio.run(ingest_targets(runtime.engine, now, list(args.targets), settings=config))
        with Session(runtime.engine) as session:
            after = after_ingest(session, now, runtime) or {}
    finally:
        runtime.engine.dispose()
    for line in report.errors:
        print(f"yuqing ingest: {line}", file=sys.stderr)
    for line in report.warnings[:20]:
        print(f"yuqing ingest: warning: {line}", file=sys.stderr)
    print(json.dumps({
        "items": report.items, "new_items": report.new_items, "events": len(report.events),
        "cases": int(after.get("cases", 0)), "seconds": round(time.perf_counter() - started, 3),
        "errors": report.errors,
    }, ensure_ascii=False))
    return 1 if report.targets and len(report.errors) == report.targets else 0
