"""`yuqing ingest`: not built yet (see the project's issue 3)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("ingest", help="(not built yet)")
    p.add_argument("rest", nargs="*")
    p.set_defaults(handler=run)


def run(args) -> int:
    print("yuqing ingest: not built yet", file=sys.stderr)
    return 3
