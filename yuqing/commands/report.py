"""`yuqing report`: not built yet (see the project's issue 9)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("report", help="(not built yet)")
    p.add_argument("rest", nargs="*")
    p.set_defaults(handler=run)


def run(args) -> int:
    print("yuqing report: not built yet", file=sys.stderr)
    return 3
